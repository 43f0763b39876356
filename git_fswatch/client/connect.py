"""Reaching the built-in helper's daemon: ask, and start it when it is absent.

Shared by the API, the `git fswatch-notify` command and the git hook, so it
imports only the socket layer.  A daemon that is not running is started
detached; the caller waits at most *wait* seconds for its readiness word and
otherwise gets Starting, so that a status never blocks long on a cold start.
"""

import os
import sys
import time

from git_fswatch.wire import transport
from git_fswatch.trace import trace

# How long a query waits for the answer of a running daemon.  Longer than
# the daemon's own cookie timeout (daemon.SYNC_TIMEOUT), which answers
# "everything" when the kernel is slow.
ANSWER_TIMEOUT = 5.0
# How long a query waits for a daemon it started: a cold start costs a crawl,
# and meanwhile the caller scans rather than wait.
SPAWN_WAIT = 0.5


def spawn_wait():
    """SPAWN_WAIT, or GIT_FSWATCH_TEST_SPAWN_WAIT where a test needs certainty."""
    value = os.environ.get("GIT_FSWATCH_TEST_SPAWN_WAIT")
    try:
        return float(value) if value else SPAWN_WAIT
    except ValueError:
        return SPAWN_WAIT


# While another daemon holds the lock: how often to look for its socket, and
# after how long to try starting one again (the holder may have exited).
POLL = 0.01
RESPAWN_AFTER = 0.2


class Unreachable(Exception):
    """The daemon cannot answer (and will not be started, or failed to)."""


class Starting(Unreachable):
    """A daemon was started but is not ready yet."""


class Declined(Unreachable):
    """The daemon refused to run here (watch limit, no events ...)."""


_KEEP_ENV = ("GIT_FSWATCH_", "GIT_CONFIG_", "GIT_TRACE")


def daemon_env(repo):
    """The environment of a daemon: ours, without the caller's git state."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") or k.startswith(_KEEP_ENV)}
    env["GIT_DIR"] = repo.git_dir
    env["GIT_WORK_TREE"] = repo.worktree
    # Run this very copy of git_fswatch, wherever the caller found it.
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = top + (":" + old if old else "")
    return env


def daemon_argv(timeout=None):
    argv = [sys.executable or "python3", "-m", "git_fswatch.cli.notify"]
    if timeout is not None:
        argv.append("--timeout=%d" % timeout)
    argv.append("daemon")
    return argv


def start(repo, private, timeout=None, wait=SPAWN_WAIT, force=False):
    """Start a daemon for *repo*; return "ok" or "busy" (another has the lock).

    Raises Starting when it did not say "ok" within *wait* seconds, Declined
    when it refused to run - or, unless *force*, when one refused less than
    transport.DECLINED_FOR seconds ago.
    """
    if not force:
        declined = transport.recent_decline(private)
        if declined is not None:
            trace("client: a daemon declined lately; not starting one: %s", declined)
            raise Declined(declined)
    trace("client: starting a daemon for %s", repo.worktree)
    state, message = transport.spawn(daemon_argv(timeout), repo.worktree,
                               daemon_env(repo), wait)
    if state == "ok":
        transport.forget_decline(private)
    if state == "error":
        raise Declined(message)
    if state in ("timeout", "died"):
        raise Starting(message) if state == "timeout" else Unreachable(message)
    return state


def ask(repo, private, records, spawn=True, timeout=None,
        wait=None, answer_timeout=ANSWER_TIMEOUT, max_size=None, force=False):
    """Send *records* to the daemon of *repo*; return the reply Message.

    *private* is the worktree's private directory.  With *spawn*, a missing
    daemon is started (with idle *timeout*) and asked once it is ready;
    *force* starts one even if one declined a moment ago.  Raises transport.NoDaemon (only without *spawn*) or Unreachable.
    """
    if wait is None:
        wait = spawn_wait()
    deadline = time.monotonic() + wait
    spawned = None                        # when we last started one
    while True:
        try:
            return transport.request(private, records, answer_timeout, max_size)
        except transport.NoDaemon:
            if not spawn:
                raise
        except transport.IpcError as e:
            raise Unreachable(str(e))
        now = time.monotonic()
        left = deadline - now
        if left <= 0:
            raise Starting("the helper is starting" if spawned is not None
                           else "no helper could be reached")
        if spawned is not None and now - spawned < RESPAWN_AFTER:
            # Another daemon holds the lock ("busy"): it is crawling, or
            # on its way out.  Look for its socket again shortly; try to
            # start one again now and then, should the other be gone.
            time.sleep(min(POLL, left))
            continue
        spawned = now
        start(repo, private, timeout, left, force)
