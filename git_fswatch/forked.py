"""Computations in forked children: the one way to fork, compute, send the
result back through a pipe and end.

    child = forked.start(lambda: work(), dumps=marshal.dumps)
    ...                                # the parent goes on meanwhile
    value = child.wait(marshal.loads)  # or: read() when select says so, then outcome()

The child runs *fn* and writes what came of it, serialized: its value, a
Decline (code and detail), or an error (a bug of ours).  It then leaves by
os._exit(), without running anything of its parent's (atexit handlers,
buffered output, other threads' locks).  The parent gets the value back from
outcome(); a Decline is raised again as itself; anything else that went
wrong (the child died, was killed, sent something that does not decode,
raised an exception) raises ChildFailed, after which the caller computes
some other way.  Never a wrong answer: a result is used only when the child
exited 0 and said "ok".

Used by the full scan over several processes (status/parallel.py) and by
the helper's daemon for full scans it keeps out of its loop
(server/warm.py).
"""

import os
import signal

from git_fswatch.decline import Decline


class ChildFailed(Exception):
    """The child did not deliver a result; the message says why."""


def start(fn, dumps, before=None, close_fds=()):
    """Fork a child that runs *fn*() and sends back its outcome serialized
    with *dumps*; return a Child, or None when no child can be made.
    *before* runs in the child first (it may drop what the parent holds);
    *close_fds* are closed in the child (the parent's other pipes)."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:                              # pragma: no cover (the child)
        _child(fn, dumps, before, close_fds, r, w)
    os.close(w)
    return Child(pid, r)


def _child(fn, dumps, before, close_fds, r, w):
    """In the child: compute, write the outcome, exit.  Never returns."""
    code = 0
    try:
        os.close(r)
        for fd in close_fds:
            os.close(fd)
        # not the handlers of the process forked from (the helper's daemon
        # has some): a signal ends this one
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        try:
            if before is not None:
                before()
            outcome = ("ok", fn())
        except Decline as e:
            outcome = ("decline", e.code, e.detail)
        except Exception as e:
            outcome = ("error", "%s: %s" % (type(e).__name__, e))
        data = memoryview(dumps(outcome))
        while data:
            data = data[os.write(w, data):]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


class Child:
    """A forked computation: read its pipe (blocking with wait(), or bit by
    bit with read() when a selector says the pipe is readable), then take
    its outcome()."""

    def __init__(self, pid, fd):
        self.pid, self.fd = pid, fd
        self.chunks = []
        self.killed = None                # why we killed it, if we did
        self.status = None                # its wait status, once reaped

    def fileno(self):
        return self.fd

    def read(self):
        """Read what the child sent so far (a non-blocking pipe); True once
        it is all there."""
        try:
            chunk = os.read(self.fd, 1 << 20)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        if not chunk:
            return True
        self.chunks.append(chunk)
        return False

    def set_blocking(self, blocking):
        os.set_blocking(self.fd, blocking)

    def kill(self, why):
        self.killed = why
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def reap(self):
        """Close the pipe and wait for the child; its wait status."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.status is None:
            while True:
                try:
                    self.status = os.waitpid(self.pid, 0)[1]
                    break
                except ChildProcessError:
                    self.status = 0
                    break
                except InterruptedError:
                    continue
        return self.status

    def outcome(self, loads):
        """The child's value (after read() said it is all there, or wait());
        raises the child's Decline, or ChildFailed."""
        status = self.reap()
        data = b"".join(self.chunks)
        self.chunks = []
        why = self.killed or exit_reason(status)
        if why or not data:
            raise ChildFailed(why or "no answer")
        try:
            outcome = loads(data)
        except Exception as e:
            raise ChildFailed("an answer that does not decode: %s" % e)
        if outcome[0] == "decline":
            raise Decline(outcome[1], outcome[2])
        if outcome[0] != "ok":
            raise ChildFailed("%s" % (outcome[1],))
        return outcome[1]

    def wait(self, loads):
        """Read everything (blocking), then outcome()."""
        while not self.read():
            pass
        return self.outcome(loads)


def exit_reason(status):
    """Why a child with wait status *status* failed, or None if it exited 0."""
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status):
        return "exit code %d" % os.WEXITSTATUS(status)
    return None
