"""Review of the watch tree: sequences of filesystem operations after
which an answer could omit a changed path, or listdir/fetchall could be
stale.  Real kernel, real directories; every test syncs through a cookie
(Fixture.sync in test_watchtree), nothing sleeps.
"""

import ctypes
import errno
import os

import pytest

from test_watchtree import Fixture, OneEventPerRead, covered, sh

_libc = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a, b):
    """renameat2(RENAME_EXCHANGE): swap two paths atomically (mv --exchange)."""
    func = getattr(_libc, "renameat2", None)
    if func is None:
        pytest.skip("no renameat2 in this libc")
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL):
            pytest.skip("RENAME_EXCHANGE is not supported here")
        raise OSError(err, os.strerror(err))


@pytest.fixture(params=["whole-reads", "one-event-per-read"])
def fx(request, tmp_path):
    ino = OneEventPerRead() if request.param == "one-event-per-read" else None
    f = Fixture(tmp_path, inotify=ino)
    yield f
    f.tree.close()


# ---- RENAME_EXCHANGE of two directories ------------------------------------
#
# The kernel sends MOVED_FROM a, MOVED_TO b (cookie 1), then MOVED_FROM b,
# MOVED_TO a (cookie 2).  The first MOVED_TO lands on a name that still
# holds a watched directory: not one renamed over (an empty directory that
# dies), but the other half of the swap, alive and about to move.

@pytest.mark.parametrize("where", ["same-parent", "across-parents"])
def test_directories_exchanged(fx, where):
    if where == "same-parent":
        a, b = "a", "b"
        sh("mkdir -p a/sa b/sb && touch a/fa b/fb", fx.wt)
    else:
        a, b = "p/a", "q/b"
        sh("mkdir -p p/a/sa q/b/sb && touch p/a/fa q/b/fb", fx.wt)
    fx.start()
    assert fx.tree.listdir(a.encode())          # hold stat data of both
    assert fx.tree.listdir(b.encode())
    exchange(fx.p(a), fx.p(b))
    got = fx.changes()
    assert {a.encode() + b"/", b.encode() + b"/"} <= got
    # Both directories are watched under their new names.
    open(fx.p(a, "new-in-a"), "w").close()          # in the old b
    open(fx.p(b, "new-in-b"), "w").close()          # in the old a
    open(fx.p(a, "sb", "deep"), "w").close()
    open(fx.p(b, "sa", "deep"), "w").close()
    want = {p.encode() for p in (a + "/new-in-a", b + "/new-in-b",
                                 a + "/sb/deep", b + "/sa/deep")}
    assert fx.changes() == want
    assert dict(fx.tree.fetchall()) == fx.walk()
    assert sorted(n for n, _ in fx.tree.listdir(a.encode())) == [
        b"fb", b"new-in-a", b"sb"]


def test_exchanged_back_and_forth(fx):
    sh("mkdir -p a/s b && touch a/s/x", fx.wt)
    fx.start()
    exchange(fx.p("a"), fx.p("b"))
    exchange(fx.p("a"), fx.p("b"))
    exchange(fx.p("a"), fx.p("b"))
    assert {b"a/", b"b/"} <= fx.changes()
    with open(fx.p("b", "s", "x"), "a") as f:
        f.write("edit")
    open(fx.p("a", "y"), "w").close()
    assert fx.changes() == {b"b/s/x", b"a/y"}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_directory_exchanged_with_a_file(fx):
    sh("mkdir -p d/s && touch d/s/x && echo f >f", fx.wt)
    fx.start()
    exchange(fx.p("d"), fx.p("f"))
    got = fx.changes()
    assert {b"d", b"f/"} <= got or {b"d/", b"f/"} <= got
    open(fx.p("f", "s", "y"), "w").close()
    assert fx.changes() == {b"f/s/y"}
    assert dict(fx.tree.fetchall()) == fx.walk()
