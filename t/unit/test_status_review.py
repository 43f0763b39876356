"""Cases found reviewing the status engine's full scan over several
processes (parallel.py) and its git check-ignore co-process (status/ignore.py):
what must happen when a process fails or never answers."""

import os
import signal

import pytest

from git_fswatch.repo import discover
from git_fswatch.status import engine
from git_fswatch.status import parallel
from git_fswatch.decline import Decline
from git_fswatch.repo.git import Git
from git_fswatch.status.ignore import Ignore
from git_fswatch.status.inputs import DiskInputs
from testlib import alive, git


@pytest.fixture
def repo(repo):
    top = repo
    for a in range(4):
        for b in range(3):
            d = os.path.join(top, "d%d" % a, "e%d" % b)
            os.makedirs(d)
            for name in ("one", "two"):
                with open(os.path.join(d, name), "w") as f:
                    f.write("%s %s\n" % (d, name))
    git("add", ".", cwd=top)
    git("commit", "-q", "-m", "base", cwd=top)
    return top


class _Late(Exception):
    pass


def test_unsupported_in_our_share_does_not_wait_for_the_others(repo, monkeypatch):
    """The parent's own share raises Decline while the children are
    still scanning (here: never finish): the command must fall back to git
    status now, not when the children are done, and leave none behind."""
    parent = os.getpid()
    forked = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    def share(scanner, tree, share):
        if os.getpid() != parent:
            while True:            # a child that never answers
                signal.pause()
        raise Decline("injected")

    def late(signum, frame):
        raise _Late()

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(parallel, "_do_share", share)
    monkeypatch.setenv(parallel.ENV, "3")
    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(20)
    try:
        inputs = DiskInputs(cwd=repo, isatty=False)
        with pytest.raises(Decline, match="injected"):
            engine.compute(discover.discover(inputs.git), engine.Request(use_helper=False),
                           inputs)
    except _Late:
        pytest.fail("the scan waited for children that never answer")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        for pid in forked:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    assert len(forked) == 2
    assert not [pid for pid in forked if alive(pid)]


def test_git_flush_off_does_not_stop_check_ignore(repo, monkeypatch):
    """GIT_FLUSH=0 makes git keep its answers in its buffer when writing to
    a pipe: the co-process must be told to flush, or the first question
    waits for ever."""
    monkeypatch.setenv("GIT_FLUSH", "0")
    with open(os.path.join(repo, ".gitignore"), "w") as f:
        f.write("*.o\n")
    ignore = Ignore(Git(cwd=repo), repo)

    def late(signum, frame):
        raise _Late()

    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(10)
    try:
        answers = [ignore(b"x.o", False), ignore(b"d0/y", False)]
    except _Late:
        pytest.fail("git check-ignore never answered")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        ignore.close()
    assert answers == [True, False]
    assert ignore.proc is None
