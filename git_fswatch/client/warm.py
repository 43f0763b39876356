"""The thin client of the warm status engine (warm.py): `git fswatch-status`
asks the helper's daemon for the whole answer before importing anything else.

    result = warm_client.try_warm(argv)
    if result is not None:
        out, err, code = result       # exactly what the cold path would print

It finds the git dir the way git does for a plain worktree (discover.find:
walking up from the working directory to a ``.git`` directory or ``gitdir:``
file), and asks
the daemon listening in that git dir, if one runs: it never starts one and
never runs git, so that a status answered warm costs an interpreter and one
round trip.  The daemon reads the configuration as the client's git would
(it is sent the environment) and declines unless core.fswatchHelper is the
built-in helper.  Any doubt - no daemon, an environment that moves the
repository, a daemon that declines, a bad answer - returns None, and the
caller computes cold.  So does GIT_FSWATCH_TEST_NO_WARM, for the tests of the
cold engine.

Imports: the socket layer (transport.py: _socket, select) and protocol.py only.
"""

import os

from git_fswatch.repo import discover, envvars
from git_fswatch.trace import event
from git_fswatch.wire import place, transport

ACTION = "warm-status"
# A warm answer that takes longer than this is not warm: the cold path then
# computes (and the daemon's answer, when it comes, is wasted).
TIMEOUT = 10.0


def request(argv, cwd, git_dir, environ, stdout_tty):
    """The request records."""
    records = [("version", 1), ("action", ACTION), ("cwd", cwd), ("git-dir", git_dir),
               ("stdout-tty", 1 if stdout_tty else 0)]
    records.extend(("arg", os.fsencode(a)) for a in argv)
    records.extend(("env", k + b"=" + v) for k, v in environ.items() if b"\0" not in v)
    return records


def parse(msg):
    """(out, err, code) from the daemon's answer, or None."""
    code = msg.get("exit")
    if msg.get("version") != b"1" or code is None or not code.isdigit():
        why = msg.get("unsupported") or msg.get("error") or b"no exit code"
        event("status.not-warm", code=msg.get("decline") or b"", why=why)
        return None
    event("status.warm", how=msg.get("how") or b"")
    return (b"\0".join(msg.getall("out")), b"\0".join(msg.getall("err")), int(code))


def try_warm(argv, environ=None):
    """Ask the daemon for the answer to `git fswatch-status <argv>`."""
    environ = os.environb if environ is None else environ
    if environ.get(b"GIT_FSWATCH_TEST_NO_WARM"):
        # for tests of the cold engine and its status cache
        event("status.not-warm", why="GIT_FSWATCH_TEST_NO_WARM is set")
        return None
    if envvars.foreign(environ):
        return None
    try:
        cwd = os.fsencode(os.getcwd())
    except OSError:
        return None
    found = discover.find(cwd)
    if found is None:
        return None
    try:
        worktree, git_dir = os.path.realpath(found[0]), os.path.realpath(found[1])
        records = request(argv, cwd, git_dir, environ, os.isatty(1))
        msg = transport.request(os.fsdecode(place.private_path(git_dir, worktree)), records,
                                TIMEOUT)
    except transport.NoDaemon:
        return None
    except (transport.IpcError, OSError, ValueError) as e:
        event("status.not-warm", why=str(e))
        return None
    return parse(msg)
