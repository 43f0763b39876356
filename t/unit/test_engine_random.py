"""The randomised differential test of the status engine against git status.

(test_status_random.py tests the whole command end to end; this one drives
the engine alone, with its own porcelain v2 printer, so that a difference
points at the engine and nothing else.)

A repository is mutated at random in bursts (files, directories, directory
renames, same-size rewrites in the index's second, modes, symlinks, odd names,
.gitignore edits, index operations, commits, branch switches, conflicted
merges); after each burst the engine's answer, printed as porcelain v2 by the
small independent printer in oracle.py, must equal `git status --porcelain=v2 -z`
byte for byte, for -uno, -unormal and -uall with --ignored=no, traditional and
matching, with the helper off and on (the notify helper, started by the API).

Bounded time: GIT_FSWATCH_TEST_ENGINE_SECONDS (default 60).  Seeded: the seed
is printed, and GIT_FSWATCH_TEST_SEED replays a run.
"""

import os
import random
import shutil
import subprocess
import sys
import time

import pytest

from git_fswatch.repo import discover
from git_fswatch.status import engine
from git_fswatch.client import api
from git_fswatch.decline import Decline
from git_fswatch.status.inputs import DiskInputs
from oracle import porcelain_v2
from testlib import SRC, git

MODES = [(u, i) for u in ("no", "normal", "all")
         for i in ("no", "traditional", "matching") if (u, i) != ("no", "matching")]
SECONDS = float(os.environ.get("GIT_FSWATCH_TEST_ENGINE_SECONDS", "60"))

NAMES = [b"a", b"b", b"c.o", b"d.txt", b"sp ace", b"q\"uote", b"tab\there",
         b"new\nline", "\u00e9t\u00e9".encode(), b"ig1", b"keep.o", b"-dash",
         b"a-b", b"a.b", b"z"]
DIRS = [b"d1", b"d2", b"d1/e", b"d2/f/g", b"build", b"a-b.d", b"ign"]
IGNORES = [b"*.o", b"build/", b"ig*", b"!keep.o", b"d2/f/", b"/z", b"e/", b"*.txt"]


class World:
    def __init__(self, top, rng):
        self.top = top
        self.btop = os.fsencode(top)
        self.rng = rng
        self.log = []

    def p(self, rel):
        return self.btop + b"/" + rel

    def files(self):
        out = []
        for root, dirs, files in os.walk(self.btop):
            if b".git" in dirs:
                dirs.remove(b".git")
            rel = os.path.relpath(root, self.btop)
            for f in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
                out.append(f if rel == b"." else rel + b"/" + f)
        return sorted(out)

    def dirs(self):
        out = []
        for root, dirs, _ in os.walk(self.btop):
            if b".git" in dirs:
                dirs.remove(b".git")
            rel = os.path.relpath(root, self.btop)
            if rel != b".":
                out.append(rel)
        return sorted(out)

    def newpath(self):
        r = self.rng
        name = r.choice(NAMES)
        if r.random() < 0.005:
            name = b"x\xff"          # not UTF-8: the engine declines
        if r.random() < 0.6:
            return r.choice(DIRS) + b"/" + name
        return name

    def write(self, rel, data):
        path = self.p(rel)
        d = os.path.dirname(path)
        try:
            os.makedirs(d, exist_ok=True)
            if os.path.islink(path) or os.path.isdir(path):
                self.remove(rel)
            with open(path, "wb") as f:
                f.write(data)
        except (NotADirectoryError, FileExistsError, IsADirectoryError, FileNotFoundError):
            pass

    def remove(self, rel):
        path = self.p(rel)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)

    def op(self, worktree_only=False):
        r = self.rng
        files = self.files()
        choice = r.randrange(14 if worktree_only else 24)
        f = r.choice(files) if files else None
        top = self.top
        self.log.append((choice, f))
        if choice <= 3 or f is None:
            self.write(self.newpath(), b"%d\n" % r.randrange(1000) * r.randrange(1, 4))
        elif choice == 4:
            try:
                with open(self.p(f), "ab") as fh:
                    fh.write(b"more\n")
            except OSError:
                pass
        elif choice == 5:
            # same size, same second: a racily clean entry for git
            try:
                size = os.path.getsize(self.p(f))
                with open(self.p(f), "r+b") as fh:
                    fh.write(bytes(r.choice(b"xyz") for _ in range(size)))
            except OSError:
                pass
        elif choice == 6:
            self.remove(f)
        elif choice == 7:
            try:
                os.makedirs(self.p(r.choice(DIRS)), exist_ok=True)
            except OSError:
                pass
        elif choice == 8:
            dirs = self.dirs()
            if dirs:
                src = r.choice(dirs)
                dst = r.choice(DIRS + [b"moved", b"d1/moved"])
                try:
                    os.rename(self.p(src), self.p(dst))
                except OSError:
                    pass
        elif choice == 9:
            dirs = self.dirs()
            if dirs:
                self.remove(r.choice(dirs))
        elif choice == 10:
            try:
                mode = os.lstat(self.p(f)).st_mode
                if not os.path.islink(self.p(f)):
                    os.chmod(self.p(f), mode ^ 0o111)
            except OSError:
                pass
        elif choice == 11:
            if f.endswith(b".gitignore") and r.random() < 0.8:
                return      # a symlinked .gitignore makes the engine decline
            target = r.choice([b"a", b"nowhere", b"d1", b"../x"])
            self.remove(f)
            try:
                os.symlink(target, self.p(f))
            except OSError:
                pass
        elif choice == 12:
            self.remove(f)
            try:
                os.makedirs(self.p(f))
                with open(self.p(f) + b"/inner", "wb") as fh:
                    fh.write(b"inner\n")
            except OSError:
                pass
        elif choice == 13:
            where = r.choice([b"", b"d1/", b"d2/"])
            pats = r.sample(IGNORES, r.randrange(0, 4))
            if where and r.random() < 0.8:
                # negations below the top make the engine decline: seldom
                pats = [x for x in pats if not x.startswith(b"!")]
            self.write(where + b".gitignore", b"".join(x + b"\n" for x in pats))
        elif choice in (14, 15):
            git("add", "--", f, cwd=top, check=False)
        elif choice == 16:
            git("add", "-A", cwd=top, check=False)
        elif choice == 17:
            git("rm", "-q", "--cached", "--", f, cwd=top, check=False)
        elif choice == 18:
            # intent-to-add; rarely, since a deleted file beside one makes
            # the engine decline (git pairs them as a worktree rename)
            git("add", "-N" if r.random() < 0.3 else "-v", "--", f, cwd=top, check=False)
        elif choice == 19:
            git("commit", "-q", "-m", "c", "-a" if r.random() < 0.5 else "-q", cwd=top,
                check=False)
        elif choice == 20:
            branch = r.choice(["main", "b1", "b2"])
            if r.random() < 0.3:
                git("branch", "-q", "-f", branch, cwd=top, check=False)
            else:
                git("checkout", "-q", branch, cwd=top, check=False)
        elif choice == 21:
            if r.random() < 0.5:
                git("merge", "-q", "--no-edit", r.choice(["b1", "b2", "main"]), cwd=top,
                    check=False)
            else:
                git("reset", "-q", "--merge", cwd=top, check=False)
        elif choice == 22:
            if r.random() < 0.3:
                git("update-index", "--index-version", r.choice("234"), cwd=top, check=False)
            elif r.random() < 0.5:
                git("update-index", "--assume-unchanged", "--", f, cwd=top, check=False)
            else:
                git("update-index", "--no-assume-unchanged", "--", f, cwd=top, check=False)
        elif choice == 23:
            if r.random() < 0.2:
                git("init", "-q", r.choice(DIRS).decode(), cwd=top, check=False)
            else:
                git("mv", "-k", "--", f, r.choice(NAMES), cwd=top, check=False)


def compare(top, mode, use_helper, seen, pathspecs=()):
    untracked, ignored = mode
    inputs = DiskInputs(cwd=top, isatty=False, changed_since=api.changed_since)
    repo = discover.discover(inputs.git)
    req = engine.Request(untracked=untracked, ignored=ignored, use_helper=use_helper,
                         pathspecs=[os.fsdecode(p) for p in pathspecs])
    try:
        st = engine.compute(repo, req, inputs)
    except Decline as e:
        seen["unsupported"] += 1
        why = seen.setdefault("why", {})
        why[str(e)] = why.get(str(e), 0) + 1
        return None
    seen["compared"] += 1
    seen[st.how] = seen.get(st.how, 0) + 1
    actual = porcelain_v2(st)
    # --no-optional-locks: the oracle must not refresh the index behind the
    # engine's back (that would discard the status cache every time)
    expect = git("--no-optional-locks", "status", "--porcelain=v2", "-z",
                 "-u" + untracked, "--ignored=" + ignored, "--", *pathspecs, cwd=top, check=False)
    if actual != expect:
        return expect, actual
    return None


def test_engine_random_against_git_status(repo, monkeypatch, capsys):
    seed = int(os.environ.get("GIT_FSWATCH_TEST_SEED") or random.randrange(1 << 30))
    with capsys.disabled():
        sys.stderr.write("\nstatus random test: GIT_FSWATCH_TEST_SEED=%d\n" % seed)
    rng = random.Random(seed)
    monkeypatch.setenv("PYTHONPATH", SRC)       # for "python -m git_fswatch..." below
    top = repo
    git("config", "core.fswatchHelper", "notify --timeout=120", cwd=top)
    try:
        run(top, rng, seed, capsys)
    finally:
        subprocess.run([sys.executable, "-m", "git_fswatch.cli.notify", "exit"], cwd=top,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(top, rng, seed, capsys):
    world = World(top, rng)
    for _ in range(10):
        world.op()
    git("add", "-A", cwd=top, check=False)
    git("commit", "-q", "-m", "base", cwd=top, check=False)
    git("branch", "b1", cwd=top, check=False)
    git("branch", "b2", cwd=top, check=False)
    seen = {"compared": 0, "unsupported": 0}
    deadline = time.monotonic() + SECONDS
    bursts = 0

    def check(mode, use_helper, pathspecs=()):
        diff = compare(top, mode, use_helper, seen, pathspecs)
        if diff:
            expect, actual = diff
            pytest.fail("seed %d, burst %d, (untracked, ignored) %s, helper %s: differs\n"
                        "git status:\n%s\nengine:\n%s\nlast ops: %r" % (
                            seed, bursts, (mode, pathspecs), use_helper,
                            expect.replace(b"\0", b"\n").decode("utf-8", "replace"),
                            actual.replace(b"\0", b"\n").decode("utf-8", "replace"),
                            world.log[-10:]))

    while time.monotonic() < deadline:
        for _ in range(rng.randrange(1, 8)):
            world.op()
        if rng.random() < 0.5:
            # a name that is not UTF-8 makes the engine decline: keep it brief
            for f in world.files():
                if b"\xff" in f:
                    world.remove(f)
        bursts += 1
        for mode in [("normal", "no")] + rng.sample(MODES, 3):
            check(mode, False)
        # literal pathspecs: files, directories, names that are not there
        candidates = world.files() + world.dirs() + NAMES + DIRS + [b"."]
        pathspecs = rng.sample(candidates, rng.choice([1, 1, 2]))
        check(rng.choice(MODES), rng.random() < 0.5, [p for p in pathspecs
                                                      if b"\xff" not in p])
        # the helper's run: mostly one mode, so that the cache serves
        mode = ("normal", "no") if rng.random() < 0.7 else rng.choice(MODES)
        check(mode, True)
        for _ in range(rng.randrange(0, 4)):
            world.op(worktree_only=True)
        check(mode, True)
        check(mode, True)
    with capsys.disabled():
        sys.stderr.write("status random test: %d bursts, %d comparisons (%d full scans,"
                         " %d from the cache), %d unsupported %r\n"
                         % (bursts, seen["compared"], seen.get("full", 0),
                            seen.get("cache", 0), seen["unsupported"],
                            sorted(seen.get("why", {}).items())))
    total = seen["compared"] + seen["unsupported"]
    assert seen["compared"] > 0.3 * total, "the engine declined too often to be tested"
    if os.path.isdir("/proc/sys/fs/inotify"):
        assert seen.get("cache", 0) > 0.1 * total, "the status cache seldom served"
