"""What callers import to learn what changed in a worktree.

    changes = api.changed_since(repo, token)
    if changes.everything:
        ...scan the whole worktree...
    else:
        ...look at changes.paths only...
    remember changes.token for next time (None: nothing to remember)

The helper is the one core.fswatchHelper names (helpers.py).  Our own
``notify`` helper is reached over its socket, and started when it is not
running; any other helper runs as a subprocess, as git runs credential
helpers: ``sh -c '<command> "$@"' <command> get`` with the request records
(protocol.py) on its standard input and the answer on its standard output.

Whatever goes wrong becomes Unavailable from query(); changed_since() turns
it into an answer of "everything", so that callers never guess.
"""

import subprocess

from git_fswatch.client import connect
from git_fswatch.repo import helpers
from git_fswatch.repo.config import Config, ConfigError
from git_fswatch.repo.git import Git
from git_fswatch.trace import event
from git_fswatch.wire import place, protocol
from git_fswatch.wire.protocol import Changes

# How long an external helper may take to answer.
EXTERNAL_TIMEOUT = 10.0


class Unavailable(Exception):
    """No helper is configured, or the helper cannot answer."""


def parse_answer(msg):
    """A `get` answer (protocol.Message) as Changes; Unavailable if unusable."""
    error = msg.get("error")
    if error is not None:
        raise Unavailable("the helper says: %s" % error.decode("utf-8", "replace"))
    version = msg.get("version")
    if version != protocol.VERSION:
        raise Unavailable("the helper speaks protocol version %r, not 1"
                          % (version.decode("ascii", "replace") if version else None))
    token = msg.get("token")
    if token is not None:
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise Unavailable("the helper's token is not ASCII")
        if not token:
            token = None
    everything = msg.get("everything")
    if everything is not None:
        return Changes(token, True, [], everything.decode("utf-8", "replace") or "everything")
    if token is None:
        # Paths without a token to go on from would leave the caller with
        # nothing to ask next time; be safe.
        return Changes(None, True, [], "no-token")
    paths = msg.getall("path")
    for p in paths:
        if not p or p.startswith(b"/") or b"\0" in p:
            raise Unavailable("the helper sent a bad path: %r" % p)
    return Changes(token, False, paths, None)


def _request(token):
    records = [("version", 1), ("action", "get")]
    if token is not None:
        records.append(("token", token))
    return records


def _query_builtin(repo, helper, token):
    try:
        private = place.private_dir(repo.git_dir, repo.worktree)
    except (place.UnsafeDirectory, OSError) as e:
        raise Unavailable(str(e))
    try:
        msg = connect.ask(repo, private, _request(token), timeout=helper.timeout)
    except connect.Starting:
        return Changes(None, True, [], "starting")
    except connect.Unreachable as e:
        raise Unavailable(str(e))
    return parse_answer(msg)


def _query_external(repo, helper, token):
    # The request as the command line's stdin takes it: no version or action.
    stdin = protocol.encode([("token", token)] if token is not None else [])
    try:
        proc = subprocess.run(helper.argv("get"), input=stdin, cwd=repo.worktree,
                              stdout=subprocess.PIPE, timeout=EXTERNAL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Unavailable("the helper '%s' did not answer in %d seconds"
                          % (helper.command, EXTERNAL_TIMEOUT))
    except OSError as e:
        raise Unavailable("cannot run the helper '%s': %s" % (helper.command, e))
    if proc.returncode != 0:
        raise Unavailable("the helper '%s' failed (exit code %d)"
                          % (helper.command, proc.returncode))
    try:
        msg = protocol.decode(proc.stdout)
    except protocol.ProtocolError as e:
        raise Unavailable("bad answer from the helper '%s': %s" % (helper.command, e))
    return parse_answer(msg)


def query(repo, token, config=None):
    """Ask the configured helper what changed in *repo* since *token*.

    *token* is None for a first query; *config*: the repository's
    configuration if the caller has read it (repo/config.py), else it is
    read here.  Raises Unavailable.
    """
    try:
        if config is None:
            config = Config.read(Git(cwd=repo.worktree))
        helper = helpers.helper_for(config)
    except ConfigError as e:
        raise Unavailable(str(e))
    if helper is None:
        raise Unavailable("no helper configured (core.fswatchHelper)")
    if helper.builtin:
        return _query_builtin(repo, helper, token)
    return _query_external(repo, helper, token)


def changed_since(repo, token, config=None):
    """query(), but an unavailable helper answers "everything"; never raises."""
    try:
        return query(repo, token, config)
    except Unavailable as e:
        return Changes(None, True, [], "unavailable: %s" % e)
    except Exception as e:                # a bug must not make a status wrong
        event("api.internal-error", error="%s: %s" % (type(e).__name__, e))
        return Changes(None, True, [], "unavailable: internal error: %s" % e)
