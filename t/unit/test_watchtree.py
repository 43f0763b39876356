"""The watch tree on real directories with the real kernel.

Every test synchronises through a cookie file, as the daemon does: it
creates a file in the cookie directory and processes events until the watch
tree returns that cookie's name.  Nothing sleeps.
"""

import os
import select
import shutil
import subprocess
import sys
import time

import pytest

from git_fswatch.watch import inotify
from git_fswatch.watch.inotify import IN_MOVED_TO, Inotify, NoEvents, WatchLimit
from git_fswatch.watch.journal import Journal
from git_fswatch.watch.tree import WatchTree, statinfo


class OneEventPerRead(Inotify):
    """Real kernel events, handed out one per read(), so that every
    MOVED_FROM/MOVED_TO pair is split across two reads."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._queue = []

    def read(self):
        if not self._queue:
            self._queue = super().read()
        if not self._queue:
            return []
        return [self._queue.pop(0)]

    def has_queued(self):
        return bool(self._queue)


class Fixture:
    def __init__(self, base, inotify=None, git_dir=None, worktree_name="wt"):
        self.base = base
        self.wt = os.path.join(str(base), worktree_name)
        os.makedirs(self.wt, exist_ok=True)
        self.git_dir = git_dir or os.path.join(self.wt, ".git")
        self.cookie_dir = os.path.join(self.git_dir, "fswatch", "cookies")
        os.makedirs(self.cookie_dir, exist_ok=True)
        self.journal = Journal()
        self.cookies = []           # every cookie name process() returned
        self.ino = inotify          # the OS layer we gave, if any
        self.tree = WatchTree(self.wt, self.git_dir, self.cookie_dir, self.journal,
                              inotify=inotify)
        self.n = 0

    def p(self, *parts):
        return os.path.join(self.wt, *parts)

    def start(self):
        self.tree.start()
        self.token = self.journal.token()
        return self

    def read_until(self, done, deadline=10.0):
        """Process events, keeping the cookie names returned, until done()."""
        end = time.monotonic() + deadline
        while not done():
            if not getattr(self.ino, "has_queued", lambda: False)():
                left = end - time.monotonic()
                assert left > 0, "still waiting after %.0f s" % deadline
                select.select([self.tree.fileno()], [], [], left)
            self.cookies.extend(self.tree.process())

    def sync(self, deadline=10.0):
        """Process events until a fresh cookie comes back through inotify."""
        self.n += 1
        name = "cookie-%d" % self.n
        path = os.path.join(self.cookie_dir, name)
        open(path, "w").close()
        self.read_until(lambda: name in self.cookies, deadline)
        os.unlink(path)

    def changes(self):
        """Sync, then the paths since the last call (as a set), new token."""
        self.sync()
        paths, reason = self.journal.since(self.token)
        self.token = self.journal.token()
        assert reason is None, reason
        return set(paths)

    def walk(self):
        """What fetchall() must say: lstat of everything but .git."""
        out = {}
        for top, dirs, files in os.walk(os.fsencode(self.wt)):
            dirs[:] = [d for d in dirs if d != b".git"]
            for name in dirs + files:
                if name == b".git":
                    continue
                full = os.path.join(top, name)
                rel = os.path.relpath(full, os.fsencode(self.wt))
                out[rel] = statinfo(os.lstat(full))
        return out


def covered(path, reported):
    """Is *path* reported, itself or through a directory above it?"""
    if path in reported:
        return True
    parts = path.rstrip(b"/").split(b"/")
    return any(b"/".join(parts[:i]) + b"/" in reported for i in range(1, len(parts)))


@pytest.fixture
def fx(tmp_path):
    f = Fixture(tmp_path)
    yield f
    f.tree.close()


@pytest.fixture(params=["whole-reads", "one-event-per-read"])
def fx_split(request, tmp_path):
    ino = OneEventPerRead() if request.param == "one-event-per-read" else None
    f = Fixture(tmp_path, inotify=ino)
    yield f
    f.tree.close()


def sh(script, cwd):
    subprocess.run(["sh", "-ec", script], cwd=cwd, check=True)


# ---- crawl and stat data ------------------------------------------------------

def test_crawl_knows_every_entry_and_skips_git(fx):
    os.makedirs(fx.p("a", "b"))
    os.makedirs(fx.p("sub", ".git", "objects"))
    for name in ["f", "a/g", "a/b/h", "sub/x", "sub/.git/HEAD", "sub/.git/objects/o"]:
        with open(fx.p(name), "w") as f:
            f.write(name)
    os.symlink("a", fx.p("link-to-dir"))
    os.symlink("/nonexistent", fx.p("dangling"))
    fx.start()
    got = dict(fx.tree.fetchall())
    assert got == fx.walk()
    assert got[b"link-to-dir"].kind == "l"
    assert got[b"a"].kind == "d" and got[b"f"].kind == "f"
    assert not any(b".git" in p.split(b"/") for p in got)
    st = fx.tree.stats
    assert st["watched-directories"] == 4          # top, a, a/b, sub
    assert st["files-known"] == len(got)
    assert fx.journal.ready


def test_listdir_follows_changes(fx):
    os.mkdir(fx.p("d"))
    with open(fx.p("d", "f"), "w") as f:
        f.write("x")
    fx.start()
    assert [n for n, _ in fx.tree.listdir(b"d")] == [b"f"]
    assert fx.tree.listdir(b"d/")[0][1].size == 1
    assert fx.tree.listdir(b"nope") is None
    with open(fx.p("d", "f"), "a") as f:
        f.write("yz")
    os.rename(fx.p("d", "f"), fx.p("d", "g"))
    os.symlink("g", fx.p("d", "l"))
    fx.sync()
    listing = dict(fx.tree.listdir(b"d"))
    assert set(listing) == {b"g", b"l"}
    assert listing[b"g"].size == 3
    assert listing[b"l"].kind == "l"
    assert dict(fx.tree.listdir(b""))[b"d"] == statinfo(os.lstat(fx.p("d")))
    assert dict(fx.tree.fetchall()) == fx.walk()


# ---- plain changes ------------------------------------------------------------

def test_file_changes_are_reported(fx):
    with open(fx.p("old"), "w") as f:
        f.write("1")
    with open(fx.p("keep"), "w") as f:
        f.write("1")
    fx.start()
    assert fx.changes() == set()
    with open(fx.p("new"), "w"):
        pass
    with open(fx.p("old"), "a") as f:
        f.write("2")
    assert fx.changes() == {b"new", b"old"}
    os.unlink(fx.p("new"))
    os.chmod(fx.p("old"), 0o755)
    assert fx.changes() == {b"new", b"old"}
    os.rename(fx.p("old"), fx.p("renamed"))
    assert fx.changes() == {b"old", b"renamed"}
    assert fx.changes() == set()


def test_names_are_bytes_end_to_end(fx):
    fx.start()
    names = [b"new\nline", b"tab\there", b"\xff\xfe-not-utf8", b"quote\"'", b" lead"]
    for name in names:
        with open(os.path.join(os.fsencode(fx.wt), name), "wb"):
            pass
    os.mkdir(os.path.join(os.fsencode(fx.wt), b"d\xe9\n"))
    with open(os.path.join(os.fsencode(fx.wt), b"d\xe9\n", b"\x01"), "wb"):
        pass
    got = fx.changes()
    assert got >= set(names)
    assert covered(b"d\xe9\n/\x01", got)
    with open(os.path.join(os.fsencode(fx.wt), b"d\xe9\n", b"\x01"), "ab") as f:
        f.write(b"x")
    assert fx.changes() == {b"d\xe9\n/\x01"}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_a_files_events_in_a_row_are_acted_on_once(fx):
    """A checkout's unlink, create, write and close of a file are four
    events and one record; a file replaced by a directory is not merged
    with it (the directory is watched)."""
    names = ["f%03d" % i for i in range(100)]
    for name in names:
        open(fx.p(name), "w").close()
    fx.start()
    events, records = fx.tree.stats["events-seen"], fx.journal.stats["records"]
    for name in names:
        os.unlink(fx.p(name))
        with open(fx.p(name), "w") as f:
            f.write("new")
    assert fx.changes() == {n.encode() for n in names}
    assert fx.tree.stats["events-seen"] - events >= 400
    assert fx.journal.stats["records"] - records == 100
    os.unlink(fx.p("f000"))
    os.mkdir(fx.p("f000"))
    open(fx.p("f000", "inside"), "w").close()
    assert covered(b"f000/inside", fx.changes())
    open(fx.p("f000", "later"), "w").close()
    assert fx.changes() == {b"f000/later"}
    assert dict(fx.tree.fetchall()) == fx.walk()


# ---- the cookies: returned, never called back ----------------------------------

def test_process_returns_the_cookies_it_saw_in_order(fx_split):
    """process() returns the names of the cookies it read, in order, each
    once, whether they come in one read or several."""
    fx = fx_split
    os.mkdir(fx.p("d"))
    fx.start()
    names = ["c-%d" % i for i in range(5)]
    for i, name in enumerate(names):
        open(os.path.join(fx.cookie_dir, name), "w").close()
        open(fx.p("d", "f%d" % i), "w").close()
    fx.read_until(lambda: len(fx.cookies) >= len(names))
    assert fx.cookies == names
    assert fx.tree.process() == []


def test_a_cookie_is_returned_after_every_event_before_it(fx_split):
    """A directory moved out of the tree gives a MOVED_FROM and nothing
    else; when the name of a cookie made after the move is returned, the
    move has been acted on: the directory is recorded and no longer
    watched, none is held waiting for its MOVED_TO."""
    fx = fx_split
    sh("mkdir -p d/s && touch d/s/x", fx.wt)
    fx.start()
    token = fx.journal.token()
    os.rename(fx.p("d"), str(fx.base / "outside"))
    open(os.path.join(fx.cookie_dir, "after-the-move"), "w").close()
    fx.read_until(lambda: fx.cookies)
    assert fx.cookies == ["after-the-move"]
    assert fx.tree.stats["pending-moves"] == 0
    assert fx.journal.since(token) == ([b"d/"], None)
    assert fx.tree.directories(b"") == []
    assert fx.tree.stats["watched-directories"] == 1


# ---- trap 1: new directories --------------------------------------------------

def test_new_directory_race_mkdir_p_and_touch(fx):
    fx.start()
    sh("mkdir -p a/b/c && touch a/b/c/f && mkdir -p x/y && echo z >x/y/z", fx.wt)
    got = fx.changes()
    assert covered(b"a/b/c/f", got)
    assert covered(b"x/y/z", got)
    # The deepest directory is watched: a later edit there is seen by name.
    with open(fx.p("a", "b", "c", "f"), "a") as f:
        f.write("more")
    with open(fx.p("x", "y", "new"), "w"):
        pass
    assert fx.changes() == {b"a/b/c/f", b"x/y/new"}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_deep_tree_created_in_one_go(fx):
    fx.start()
    deep = "/".join("d%d" % i for i in range(40))
    sh("mkdir -p '%s' && touch '%s/leaf'" % (deep, deep), fx.wt)
    got = fx.changes()
    assert covered(deep.encode() + b"/leaf", got)
    with open(fx.p(deep, "leaf"), "a") as f:
        f.write("x")
    assert fx.changes() == {deep.encode() + b"/leaf"}
    assert fx.tree.stats["watched-directories"] == 41


def test_directory_deleted_and_recreated(fx):
    sh("mkdir -p d/e && touch d/e/f", fx.wt)
    fx.start()
    shutil.rmtree(fx.p("d"))
    got = fx.changes()
    assert covered(b"d/e/f", got)
    assert fx.tree.stats["watched-directories"] == 1
    sh("mkdir -p d/e && touch d/e/g", fx.wt)
    assert covered(b"d/e/g", fx.changes())
    with open(fx.p("d", "e", "g"), "a") as f:
        f.write("x")
    assert fx.changes() == {b"d/e/g"}
    assert dict(fx.tree.fetchall()) == fx.walk()


# ---- trap 2: renamed directories ------------------------------------------------

def test_edit_below_renamed_directory_uses_new_path(fx_split):
    fx = fx_split
    sh("mkdir -p a/sub/deeper && touch a/sub/deeper/x a/top", fx.wt)
    fx.start()
    os.rename(fx.p("a"), fx.p("b"))
    got = fx.changes()
    assert {b"a/", b"b/"} <= got
    with open(fx.p("b", "sub", "deeper", "x"), "a") as f:
        f.write("edit")
    with open(fx.p("b", "sub", "new"), "w"):
        pass
    assert fx.changes() == {b"b/sub/deeper/x", b"b/sub/new"}
    assert fx.tree.listdir(b"a") is None
    assert [n for n, _ in fx.tree.listdir(b"b/sub")] == [b"deeper", b"new"]
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_rename_twice_and_into_a_subdirectory(fx_split):
    fx = fx_split
    sh("mkdir -p a/s p && touch a/s/x", fx.wt)
    fx.start()
    sh("mv a b && mv b p/c", fx.wt)
    got = fx.changes()
    assert {b"a/", b"b/", b"p/c/"} <= got
    with open(fx.p("p", "c", "s", "x"), "a") as f:
        f.write("edit")
    assert fx.changes() == {b"p/c/s/x"}
    assert fx.tree.stats["watched-directories"] == 4   # top, p, p/c, p/c/s
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_rename_over_an_empty_directory(fx_split):
    fx = fx_split
    sh("mkdir -p a/s empty && touch a/s/x", fx.wt)
    fx.start()
    os.rename(fx.p("a"), fx.p("empty"))
    got = fx.changes()
    assert {b"a/", b"empty/"} <= got
    with open(fx.p("empty", "s", "x"), "a") as f:
        f.write("edit")
    assert fx.changes() == {b"empty/s/x"}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_directory_moved_out_of_the_tree(fx_split, tmp_path):
    fx = fx_split
    sh("mkdir -p gone/s && touch gone/s/x", fx.wt)
    fx.start()
    watches = fx.tree.stats["watches"]
    outside = str(tmp_path / "outside")
    os.rename(fx.p("gone"), outside)
    got = fx.changes()
    assert b"gone/" in got
    # The cookie finished the move: its watches are gone.
    assert fx.tree.stats["watches"] == watches - 2
    assert fx.tree.stats["watched-directories"] == 1
    with open(os.path.join(outside, "s", "x"), "a") as f:
        f.write("not ours")
    assert fx.changes() == set()
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_directory_moved_in_from_outside(fx_split, tmp_path):
    fx = fx_split
    outside = tmp_path / "outside"
    os.makedirs(str(outside / "s" / "t"))
    (outside / "s" / "t" / "x").write_text("x")
    fx.start()
    os.rename(str(outside), fx.p("in"))
    got = fx.changes()
    assert b"in/" in got
    with open(fx.p("in", "s", "t", "x"), "a") as f:
        f.write("edit")
    assert fx.changes() == {b"in/s/t/x"}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_move_pairing_on_its_own():
    """moves.Moves: a MOVED_FROM is held by its cookie until its MOVED_TO,
    for the rest of its read and one read more, or until a sync cookie; a
    directory found elsewhere meanwhile is held no longer."""
    from git_fswatch.watch.moves import Moves
    m = Moves()
    a, b, c = object(), object(), object()
    m.hold(1, a)
    assert m.end_of_read() == [] and len(m) == 1
    m.hold(2, b)
    assert m.take(1) is a and m.take(1) is None
    assert m.end_of_read() == []
    assert m.end_of_read() == [b] and len(m) == 0
    m.hold(3, a)
    m.hold(4, b)
    m.hold(5, c)
    m.discard(b)
    assert m.finish() == [a, c] and len(m) == 0


def test_unpaired_moved_from_waits_for_the_next_read(tmp_path):
    """A MOVED_FROM at the end of a read is held until the next read."""
    fx = Fixture(tmp_path, inotify=OneEventPerRead())
    sh("mkdir -p a/s && touch a/s/x", fx.wt)
    fx.start()
    os.rename(fx.p("a"), fx.p("b"))
    fx.tree.process()                   # MOVED_FROM only
    assert fx.tree.stats["pending-moves"] == 1
    assert fx.tree.stats["watches"] == 5    # git dir, cookies, top, a, a/s: kept
    fx.tree.process()                   # MOVED_TO: paired
    assert fx.tree.stats["pending-moves"] == 0
    with open(fx.p("b", "s", "x"), "a") as f:
        f.write("edit")
    assert fx.changes() >= {b"b/s/x"}
    fx.tree.close()


# ---- trap 3: overflow ---------------------------------------------------------

def test_queue_overflow_resets_and_recrawls(fx):
    os.mkdir(fx.p("d"))
    fx.start()
    old = fx.journal.token()
    old_instance = fx.journal.instance
    limit = int(open("/proc/sys/fs/inotify/max_queued_events").read())
    # Each new file queues CREATE and CLOSE_WRITE: enough to overflow.
    for i in range(limit // 2 + 100):
        with open(fx.p("d", "f%d" % i), "w"):
            pass
    os.mkdir(fx.p("late"))
    fx.sync()           # its event is lost too: the overflow hands it over
    assert len(fx.cookies) == len(set(fx.cookies))
    assert fx.tree.stats["overflows"] == 1
    assert fx.journal.instance != old_instance
    assert fx.journal.since(old) == (None, "overflow")
    assert fx.journal.ready
    assert dict(fx.tree.fetchall()) == fx.walk()
    fx.token = fx.journal.token()
    with open(fx.p("late", "x"), "w"):
        pass
    assert fx.changes() == {b"late/x"}


# ---- trap 4: symlinks -----------------------------------------------------------

def test_symlinks_are_not_followed(fx, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o").write_text("o")
    sh("mkdir real && touch real/r", fx.wt)
    os.symlink(str(outside), fx.p("to-outside"))
    os.symlink("real", fx.p("to-real"))
    fx.start()
    assert fx.tree.stats["watched-directories"] == 2    # top and real only
    assert fx.tree.listdir(b"to-outside") is None
    (outside / "o").write_text("changed")
    (outside / "p").write_text("new")
    with open(fx.p("to-real", "r"), "a") as f:
        f.write("via the link")
    assert fx.changes() == {b"real/r"}
    os.unlink(fx.p("to-real"))
    os.symlink("elsewhere", fx.p("to-real"))
    assert fx.changes() == {b"to-real"}
    assert dict(fx.tree.listdir(b""))[b"to-real"].kind == "l"


def test_directory_replaced_by_symlink(fx):
    sh("mkdir d && touch d/x", fx.wt)
    fx.start()
    sh("rm -r d && ln -s / d", fx.wt)
    got = fx.changes()
    assert covered(b"d/x", got)
    assert fx.tree.stats["watched-directories"] == 1
    assert dict(fx.tree.fetchall()) == fx.walk()


# ---- trap 5: the git dir ----------------------------------------------------

def test_git_dir_is_neither_watched_nor_reported(fx):
    os.makedirs(os.path.join(fx.git_dir, "refs"))
    sh("mkdir -p sub/.git && touch sub/.git/HEAD sub/f", fx.wt)
    fx.start()
    assert fx.tree.stats["watched-directories"] == 2   # top and sub
    with open(os.path.join(fx.git_dir, "index"), "w"):
        pass
    with open(os.path.join(fx.git_dir, "refs", "x"), "w"):
        pass
    with open(fx.p("sub", ".git", "HEAD"), "w") as f:
        f.write("ref")
    os.mkdir(fx.p("sub", ".git", "new"))
    assert fx.changes() == set()
    assert fx.cookies == ["cookie-%d" % i for i in range(1, fx.n + 1)]
    os.mkdir(fx.p("nested"))
    sh("mkdir -p nested/.git/objects && touch nested/.git/objects/o nested/f", fx.wt)
    got = fx.changes()
    assert covered(b"nested/f", got)
    assert not any(b".git" in p.split(b"/")[:-1] for p in got)   # nothing inside
    with open(fx.p("nested", ".git", "objects", "o"), "a") as f:
        f.write("x")
    assert fx.changes() == set()


def test_separate_git_dir_outside_the_worktree(tmp_path):
    git_dir = str(tmp_path / "repo.git" / "worktrees" / "wt")
    os.makedirs(git_dir)
    fx = Fixture(tmp_path, git_dir=git_dir)
    with open(fx.p(".git"), "w") as f:
        f.write("gitdir: %s\n" % git_dir)
    fx.start()
    with open(fx.p("f"), "w"):
        pass
    with open(os.path.join(git_dir, "index"), "w"):
        pass
    assert fx.changes() == {b"f"}
    shutil.rmtree(git_dir)
    fx.tree.process()
    assert fx.tree.gone
    assert "git dir" in fx.tree.gone or "cookie directory" in fx.tree.gone
    fx.tree.close()


def test_git_dir_inside_worktree_under_another_name(tmp_path):
    fx = Fixture(tmp_path, git_dir=os.path.join(str(tmp_path), "wt", "meta"))
    fx.start()
    assert b"meta" not in dict(fx.tree.listdir(b""))
    with open(os.path.join(fx.git_dir, "index"), "w"):
        pass
    with open(fx.p("f"), "w"):
        pass
    assert fx.changes() == {b"f"}
    fx.tree.close()


# ---- trap 8: gone ------------------------------------------------------------

def _drain_until_gone(fx):
    end = time.monotonic() + 10
    while fx.tree.gone is None:
        assert time.monotonic() < end, "never noticed"
        select.select([fx.tree.fileno()], [], [], end - time.monotonic())
        fx.tree.process()
    return fx.tree.gone


@pytest.mark.parametrize("how", ["rm-worktree", "mv-worktree", "rm-git-dir", "mv-git-dir"])
def test_gone(fx, how):
    sh("mkdir -p d && touch d/f", fx.wt)
    fx.start()
    assert fx.tree.gone is None
    if how == "rm-worktree":
        shutil.rmtree(fx.wt)
    elif how == "mv-worktree":
        os.rename(fx.wt, fx.wt + ".moved")
    elif how == "rm-git-dir":
        shutil.rmtree(fx.git_dir)
    else:
        os.rename(fx.git_dir, fx.p("git-moved"))
    why = _drain_until_gone(fx)
    assert ("worktree" in why) if how.endswith("worktree") else ("git dir" in why or "cookie" in why)


# ---- trap 6: limits and filesystems -----------------------------------------

def test_watch_limit_at_start(tmp_path):
    fx = Fixture(tmp_path, inotify=Inotify(max_watches=4))
    sh("mkdir -p a b c d", fx.wt)      # git dir + cookies + top + 4 > 4
    with pytest.raises(WatchLimit) as e:
        fx.tree.start()
    assert "fs.inotify.max_user_watches" in str(e.value)
    assert "sysctl" in str(e.value)
    fx.tree.close()


def test_watch_limit_while_running(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_FSWATCH_TEST_MAX_WATCHES", "5")
    fx = Fixture(tmp_path)
    sh("mkdir a", fx.wt)
    fx.start()                          # git dir, cookies, top, a
    token = fx.journal.token()
    sh("mkdir b c", fx.wt)
    end = time.monotonic() + 10
    while fx.tree.gone is None:
        assert time.monotonic() < end
        select.select([fx.tree.fileno()], [], [], 1)
        fx.tree.process()
    assert "fs.inotify.max_user_watches" in fx.tree.gone
    assert fx.journal.since(token) == (None, "watch-limit")
    fx.tree.close()


def test_remote_filesystem_is_declined(fx, monkeypatch):
    monkeypatch.setenv("GIT_FSWATCH_TEST_FSTYPE", "nfs")
    with pytest.raises(NoEvents) as e:
        fx.tree.start()
    assert "nfs" in str(e.value)


# ---- the crawl's speed and size (figures in the report; loose bounds here) --

def test_crawl_10k_files(tmp_path):
    fx = Fixture(tmp_path)
    for d in range(100):
        os.mkdir(fx.p("d%03d" % d))
        for f in range(100):
            open(fx.p("d%03d" % d, "f%03d" % f), "w").close()
    t0 = time.monotonic()
    fx.start()
    took = time.monotonic() - t0
    assert fx.tree.stats["files-known"] == 10100
    assert took < 2.0, took
    fx.tree.close()


def _allocated_by(fn):
    import gc
    import tracemalloc
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fn()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_memory_per_file(tmp_path):
    """After the crawl nothing is held per file; once fetchall has read the
    stat data, about 50 bytes a file (names and 36 bytes of stat data), not
    a Python object per file (~170 bytes).  A million files: 4 and 60 MB."""
    fx = Fixture(tmp_path)
    for d in range(20):
        os.mkdir(fx.p("d%03d" % d))
        for f in range(500):
            open(fx.p("d%03d" % d, "file-%05d.txt" % f), "w").close()
    files = 20 * 500 + 20
    crawl = _allocated_by(fx.start)
    assert fx.tree.stats["stat-cached-directories"] == 0
    assert crawl / files < 20, crawl / files
    held = []
    fetched = _allocated_by(lambda: held.append(len(list(fx.tree.fetchall()))))
    assert held == [files]
    assert fx.tree.stats["stat-cached-directories"] == 21
    assert fetched / files < 70, fetched / files
    assert dict(fx.tree.fetchall()) == fx.walk()
    fx.tree.close()


def test_stat_data_is_read_when_asked_and_kept_current(fx):
    """listdir reads a directory's stat data once; events then mark what to
    read again, and a directory never asked about costs no lstat."""
    sh("mkdir -p a b && echo 1 >a/f && echo 2 >b/g", fx.wt)
    fx.start()
    assert fx.tree.stats["stat-cached-directories"] == 0
    assert fx.tree.stats["files-known"] == 4
    assert dict(fx.tree.listdir(b"a"))[b"f"] == statinfo(os.lstat(fx.p("a", "f")))
    assert fx.tree.stats["stat-cached-directories"] == 1
    with open(fx.p("a", "f"), "a") as f:
        f.write("more")
    os.unlink(fx.p("b", "g"))
    open(fx.p("a", "new"), "w").close()
    assert fx.changes() == {b"a/f", b"a/new", b"b/g"}
    listing = dict(fx.tree.listdir(b"a"))
    assert listing == {b"f": statinfo(os.lstat(fx.p("a", "f"))),
                       b"new": statinfo(os.lstat(fx.p("a", "new")))}
    assert fx.tree.listdir(b"b") == []
    assert fx.tree.directories(b"") == [b"a", b"b"]
    assert fx.tree.directories(b"a") == []
    assert fx.tree.directories(b"a/f") is None
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_listdir_of_a_directory_moving_under_us(fx):
    """A directory renamed after the last event was read: its path leads
    to another directory (or nowhere); listdir answers what stands there
    and keeps none of it for the node, whose events are still to come."""
    sh("mkdir -p a && echo 1 >a/f", fx.wt)
    fx.start()
    sh("mv a b && mkdir a && echo 22 >a/other", fx.wt)
    assert [n for n, _ in fx.tree.listdir(b"a")] == [b"other"]
    assert fx.tree.stats["stat-cached-directories"] == 0
    assert fx.changes() >= {b"a/", b"b/"}
    assert dict(fx.tree.listdir(b"b")) == {b"f": statinfo(os.lstat(fx.p("b", "f")))}
    assert dict(fx.tree.fetchall()) == fx.walk()


def test_git_directory_appearing_later_is_reported_not_watched(fx):
    sh("mkdir sub", fx.wt)
    fx.start()
    sh("mkdir sub/.git && touch sub/.git/HEAD && chmod 700 '%s'" % fx.git_dir, fx.wt)
    # sub became a nested repository: git lists it as "sub/" now
    assert fx.changes() == {b"sub/.git"}
    with open(fx.p("sub", ".git", "HEAD"), "a") as f:
        f.write("x")
    assert fx.changes() == set()
    assert fx.tree.stats["watched-directories"] == 2
    assert fx.tree.listdir(b"sub") == []
    assert fx.tree.listdir(b"")[0][1] == statinfo(os.lstat(fx.p("sub")))
    sh("mv sub/.git sub/.git.off", fx.wt)
    assert fx.changes() == {b"sub/.git", b"sub/.git.off/"}
    sh("rm -rf sub/.git.off && echo gitdir: x >sub/.git", fx.wt)
    assert fx.changes() == {b"sub/.git.off/HEAD", b"sub/.git.off/", b"sub/.git"}
    sh("rm sub/.git", fx.wt)
    assert fx.changes() == {b"sub/.git"}


def test_directory_moved_into_a_directory_created_in_the_same_breath(fx_split):
    """The crawl of p meets a/ (already watched) at p/a before the move
    events are read: the subtree must end up under p/a all the same."""
    fx = fx_split
    sh("mkdir -p a/s && touch a/s/x", fx.wt)
    fx.start()
    sh("mkdir p && mv a p/a", fx.wt)
    got = fx.changes()
    assert {b"a/", b"p/"} <= got
    with open(fx.p("p", "a", "s", "x"), "a") as f:
        f.write("edit")
    assert fx.changes() == {b"p/a/s/x"}
    assert fx.tree.stats["watched-directories"] == 4
    assert dict(fx.tree.fetchall()) == fx.walk()


class MoveSplitByAnEvent(Inotify):
    """Real events, but an event from inside the moved directory is handed
    out between its MOVED_FROM and its MOVED_TO (the kernel queues them in
    two steps, so another CPU's event can land in between)."""

    swapped = 0

    def read(self):
        events = super().read()
        for i, ev in enumerate(events):
            if not ev.mask & IN_MOVED_TO:
                continue
            for j in range(i + 1, len(events)):
                if events[j].name and not events[j].name.startswith(b"cookie-"):
                    events.insert(j, events.pop(i))
                    self.swapped += 1
                    break
            break
        return events


def test_event_inside_a_directory_between_its_move_events(tmp_path):
    fx = Fixture(tmp_path, inotify=MoveSplitByAnEvent())
    sh("mkdir -p a/s && touch a/s/x", fx.wt)
    fx.start()
    sh("mv a b && mkdir b/new && touch b/new/y", fx.wt)
    got = fx.changes()
    assert fx.ino.swapped == 1
    assert {b"a/", b"b/"} <= got
    with open(fx.p("b", "new", "y"), "a") as f:
        f.write("edit")
    assert fx.changes() == {b"b/new/y"}
    assert dict(fx.tree.fetchall()) == fx.walk()
    fx.tree.close()


def _mount_tmpfs(path):
    return subprocess.run(["mount", "-t", "tmpfs", "fswatch-test", path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def test_filesystem_unmounted_inside_the_tree(fx):
    sh("mkdir -p m && touch m/under", fx.wt)
    if not _mount_tmpfs(fx.p("m")):
        pytest.skip("cannot mount a tmpfs here")
    try:
        sh("mkdir m/sub", fx.wt)
        fx.start()
        with open(fx.p("m", "sub", "on-tmpfs"), "w"):
            pass
        assert fx.changes() == {b"m/sub/on-tmpfs"}
    finally:
        subprocess.run(["umount", fx.p("m")], check=True)
    assert b"m/" in fx.changes()
    # What the mount covered is watched again.
    with open(fx.p("m", "under"), "a") as f:
        f.write("x")
    assert fx.changes() == {b"m/under"}
    assert dict(fx.tree.fetchall()) == fx.walk()


# ---- differential: random work on a real tree against snapshots ---------------

def _snapshot(root):
    out = {}
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != b".git"]
        for name in dirs + files:
            full = os.path.join(top, name)
            st = os.lstat(full)
            out[os.path.relpath(full, root)] = (st.st_mode, st.st_size, st.st_mtime_ns,
                                                st.st_ctime_ns, st.st_ino)
    return out


def _random_step(rng, root, outside):
    """One random change below *root* (bytes); may use *outside*."""
    dirs = [b""]
    files = []
    for top, ds, fs in os.walk(root):
        ds[:] = [d for d in ds if d != b".git" and not os.path.islink(os.path.join(top, d))]
        rel = os.path.relpath(top, root)
        rel = b"" if rel == b"." else rel
        dirs.extend(os.path.join(rel, d) for d in ds)
        files.extend(os.path.join(rel, f) for f in fs
                     if not os.path.islink(os.path.join(top, f)))
    j = lambda *p: os.path.join(root, *p)
    name = rng.choice([b"a", b"b", b"c", b"n\nl", b"\xff"])
    op = rng.randrange(9)
    d = rng.choice(dirs)
    if op == 0:
        with open(j(d, name + b".f"), "ab") as f:
            f.write(b"x")
    elif op == 1 and files:
        with open(j(rng.choice(files)), "ab") as f:
            f.write(b"more")
    elif op == 2 and files:
        os.unlink(j(rng.choice(files)))
    elif op == 3:
        os.makedirs(j(d, name, b"deep", name), exist_ok=True)
        open(j(d, name, b"deep", name, b"leaf"), "wb").close()
    elif op == 4 and files:
        src = rng.choice(files)
        os.rename(j(src), j(d, name + b".moved"))
    elif op == 5 and len(dirs) > 1:
        src = rng.choice(dirs[1:])
        dst = os.path.join(d, name + b".d")
        if dst == src or dst.startswith(src + b"/") or os.path.lexists(j(dst)):
            return
        os.rename(j(src), j(dst))
    elif op == 6 and len(dirs) > 1:
        shutil.rmtree(j(rng.choice(dirs[1:])))
    elif op == 7 and len(dirs) > 1:
        src = rng.choice(dirs[1:])
        os.rename(j(src), outside)
        with open(os.path.join(outside, b"while-out"), "wb"):
            pass
        back = j(d, name + b".back")
        if rng.random() < 0.5 and os.path.isdir(j(d)) and not os.path.lexists(back):
            os.rename(outside, back)
        else:
            shutil.rmtree(outside)
    elif op == 8:
        link = j(d, name + b".l")
        if not os.path.lexists(link):
            os.symlink(rng.choice([b"..", b"/", b"missing"]), link)


@pytest.mark.parametrize("listed", ["listed", "never-listed"])
@pytest.mark.parametrize("reads", ["whole-reads", "one-event-per-read"])
@pytest.mark.parametrize("seed", range(6))
def test_random_work_is_always_covered(tmp_path, seed, reads, listed):
    """Every change is covered by the answer, whether the watch tree holds
    the stat data of the directories (fetchall after each step) or not
    (fetchall only at the end: what a relist finds is not compared with
    anything)."""
    import random
    rng = random.Random(seed)
    fx = Fixture(tmp_path, inotify=OneEventPerRead() if reads != "whole-reads" else None)
    root = os.fsencode(fx.wt)
    outside = os.fsencode(str(tmp_path / "outside"))
    sh("mkdir -p a/b c && touch a/b/x c/y", fx.wt)
    fx.start()
    before = _snapshot(root)
    for step in range(int(os.environ.get("GIT_FSWATCH_TEST_RANDOM_STEPS", "12"))):
        for _ in range(rng.randrange(1, 6)):
            _random_step(rng, root, outside)
        got = fx.changes()
        after = _snapshot(root)
        for path in set(before) | set(after):
            if before.get(path) == after.get(path):
                continue
            isdir = any(_stat_isdir(s.get(path)) for s in (before, after))
            ok = covered(path, got) or (isdir and (
                path + b"/" in got or any(p.startswith(path + b"/") for p in got)))
            assert ok, "seed %d step %d: %r changed, reported %r" % (seed, step, path, got)
        if listed == "listed":
            assert dict(fx.tree.fetchall()) == fx.walk()
        else:
            assert fx.tree.stats["stat-cached-directories"] == 0
        before = after
    assert dict(fx.tree.fetchall()) == fx.walk()
    fx.tree.close()


def _stat_isdir(snap):
    return snap is not None and (snap[0] & 0o170000) == 0o040000


_WRITER = r"""
import os, random, sys
sys.path.insert(0, sys.argv[1])
import test_watchtree as T
rng = random.Random(int(sys.argv[2]))
for _ in range(int(sys.argv[5])):
    T._random_step(rng, os.fsencode(sys.argv[3]), os.fsencode(sys.argv[4]))
"""


@pytest.mark.parametrize("seed", range(3))
def test_random_work_while_events_are_read(tmp_path, seed):
    """A writer process changes the tree while the watch tree reads events."""
    fx = Fixture(tmp_path)
    sh("mkdir -p a/b c && touch a/b/x c/y", fx.wt)
    fx.start()
    root = os.fsencode(fx.wt)
    before = _snapshot(root)
    token = fx.journal.token()
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, os.path.dirname(os.path.abspath(__file__)),
         str(seed), fx.wt, str(tmp_path / "outside"), "300"], env=env)
    while writer.poll() is None:
        select.select([fx.tree.fileno()], [], [], 0.05)
        fx.tree.process()
    assert writer.returncode == 0
    fx.sync()
    got, reason = fx.journal.since(token)
    if reason is not None:
        # The writer may outrun us on a loaded machine: the one answer then
        # is "everything", and the tree must still be right after the crawl.
        assert reason == "overflow" and fx.tree.stats["overflows"] > 0, reason
        got = set()
        before = {}
    got = set(got)
    after = _snapshot(root)
    for path in set(before) | set(after) if reason is None else ():
        if before.get(path) == after.get(path):
            continue
        isdir = any(_stat_isdir(s.get(path)) for s in (before, after))
        assert covered(path, got) or (isdir and any(
            p.startswith(path + b"/") for p in got)), path
    known, real = dict(fx.tree.fetchall()), fx.walk()
    assert known == real, sorted(set(known.items()) ^ set(real.items()))
    fx.tree.close()


def test_overflow_then_worktree_gone(fx):
    """The events that say the worktree went away were lost in an overflow:
    the recrawl finds it gone, and says so rather than raise."""
    os.mkdir(fx.p("d"))
    fx.start()
    limit = int(open("/proc/sys/fs/inotify/max_queued_events").read())
    for i in range(limit // 2 + 100):
        with open(fx.p("d", "f%d" % i), "w"):
            pass
    shutil.rmtree(fx.wt)
    why = _drain_until_gone(fx)
    assert fx.tree.stats["overflows"] == 1
    assert "again after an overflow" in why or "worktree" in why


def test_check_notices_a_parent_renamed(tmp_path):
    os.mkdir(str(tmp_path / "parent"))
    fx = Fixture(tmp_path / "parent")
    fx.start()
    assert fx.tree.check() is None
    os.rename(str(tmp_path / "parent"), str(tmp_path / "renamed"))
    fx.tree.process()
    assert fx.tree.gone is None         # no event says so ...
    assert "no longer where it was" in fx.tree.check()   # ... but check() does
    fx.tree.close()


def test_check_notices_a_new_directory_in_place(tmp_path):
    fx = Fixture(tmp_path)
    fx.start()
    os.rename(fx.wt, fx.wt + ".old")
    os.makedirs(fx.cookie_dir)          # a new worktree and git dir there
    assert fx.tree.check()
    fx.tree.close()


class RenameRightAfterTheWatch(Inotify):
    """Real inotify; the moment the watch on .../victim is added, the
    directory is renamed to 'moved' and a new 'victim' made in its place,
    as a busy writer could do between our watch and our listing."""

    fired = False

    def add_watch_fd(self, fd, mask=inotify.DIR_MASK):
        wd = super().add_watch_fd(fd, mask)
        path = os.readlink("/proc/self/fd/%d" % fd)
        if not self.fired and path.endswith("/victim"):
            self.fired = True
            top = os.path.dirname(path)
            os.rename(path, os.path.join(top, "moved"))
            os.mkdir(path)
            open(os.path.join(path, "in-the-new-one"), "w").close()
        return wd


@pytest.mark.parametrize("when", ["crawl", "event"])
def test_directory_replaced_between_watch_and_listing(tmp_path, when):
    fx = Fixture(tmp_path, inotify=RenameRightAfterTheWatch())
    if when == "crawl":
        sh("mkdir -p victim/sub && touch victim/orig", fx.wt)
        fx.start()
    else:
        fx.start()
        sh("mkdir -p victim/sub && touch victim/orig", fx.wt)
    got = fx.changes()
    assert fx.ino.fired
    if when == "event":
        # The rename came after our cookie: this answer (if the listing of
        # the top at the cookie found it) or the next has it.
        assert b"victim/" in got and got <= {b"victim/", b"moved/"}
        got |= fx.changes()
    assert covered(b"moved/orig", got) and covered(b"victim/in-the-new-one", got)
    assert dict(fx.tree.fetchall()) == fx.walk()
    open(fx.p("moved", "sub", "later"), "w").close()
    open(fx.p("victim", "later"), "w").close()
    assert fx.changes() == {b"moved/sub/later", b"victim/later"}
    fx.tree.close()


def test_renamed_and_remade_before_we_read_either_event(fx_split):
    """mkdir a && mv a c && mkdir a, all read afterwards: the first CREATE
    finds the second 'a'; the rename carries that node to c; the renamed
    directory itself must end up watched all the same."""
    fx = fx_split
    fx.start()
    sh("mkdir -p a/s && touch a/s/one && mv a c && mkdir -p a/t && touch a/t/two", fx.wt)
    got = fx.changes()
    assert covered(b"c/s/one", got) and covered(b"a/t/two", got)
    assert dict(fx.tree.fetchall()) == fx.walk()
    open(fx.p("c", "s", "later"), "w").close()
    open(fx.p("a", "t", "later"), "w").close()
    assert fx.changes() == {b"c/s/later", b"a/t/later"}
    fx.tree.close()


_UNREADABLE = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import test_watchtree as T
import pathlib
fx = T.Fixture(pathlib.Path(sys.argv[2]))
T.sh("mkdir -p locked/sub open && echo 1 >locked/tracked && chmod 311 locked", fx.wt)
fx.start()
out = {"unwatchable": fx.tree.stats["unwatchable"]}
with open(fx.p("locked", "tracked"), "a") as f:        # through x permission
    f.write("2")
out["edit-in-locked"] = sorted(p.decode() for p in fx.changes())
out["nothing-changed"] = sorted(p.decode() for p in fx.changes())
os.rename(fx.p("locked"), fx.p("open", "locked"))
out["moved"] = sorted(p.decode() for p in fx.changes())
os.chmod(fx.p("open", "locked"), 0o755)
out["readable-again"] = sorted(p.decode() for p in fx.changes())
with open(fx.p("open", "locked", "tracked"), "a") as f:
    f.write("3")
out["edit-when-watched"] = sorted(p.decode() for p in fx.changes())
out["unwatchable-after"] = fx.tree.stats["unwatchable"]
print(json.dumps(out))
"""


def test_unreadable_directory_is_in_every_answer(tmp_path):
    """A directory we cannot watch (as a user who may not read it) is named
    in every answer, under its current name, until it can be watched."""
    if os.getuid() != 0:
        pytest.skip("needs root to run a child as nobody")
    import json
    import tempfile
    base = tempfile.mkdtemp(prefix="fswatch-nobody-")
    try:
        os.chown(base, 65534, 65534)
        here = os.path.dirname(os.path.abspath(__file__))
        proc = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             sys.executable, "-c", _UNREADABLE, here, base],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(here))))
        if b"ModuleNotFoundError" in proc.stderr:
            pytest.skip("the venv is not readable by nobody")
        assert proc.returncode == 0, proc.stderr.decode()
        got = json.loads(proc.stdout)
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", base])
        shutil.rmtree(base)
    assert got["unwatchable"] == 1
    assert got["edit-in-locked"] == ["locked/"]
    assert got["nothing-changed"] == ["locked/"]
    assert got["moved"] == ["locked/", "open/locked/"]
    assert "open/locked/" in got["readable-again"]
    assert got["edit-when-watched"] == ["open/locked/tracked"]
    assert got["unwatchable-after"] == 0
