"""The full scan over several processes (status/parallel.py).

The plan must put every tracked directory in exactly one unit; the forked
scan must give the serial scan's answer, which must be git's, on a tree with
every kind of change; and a scanning process that dies or declines must end
in the serial answer or in a Decline, never in a wrong one.
"""

import os
import random
import signal
import subprocess

import pytest

from git_fswatch.repo import discover
from git_fswatch.status import engine, parallel, scan
from git_fswatch.decline import Decline
from git_fswatch.repo.git import Git
from git_fswatch.status.ignore import Ignore
from git_fswatch.status.inputs import DiskInputs
from git_fswatch.status.tree import Tree
from oracle import porcelain_v2
from testlib import git, trace_events


# -- the plan ------------------------------------------------------------------
def random_tree(rng):
    dirs = [b""]
    entries = []
    for _ in range(rng.randrange(1, 60)):
        parent = rng.choice(dirs)
        d = (parent + b"/" if parent else b"") + b"d%d" % rng.randrange(5)
        if d not in dirs:
            dirs.append(d)
    for d in dirs:
        for i in range(rng.randrange(0, 4) if d else rng.randrange(0, 2)):
            path = (d + b"/" if d else b"") + b"f%d" % i
            entries.append((path, 0o100644, b"\0" * 20, 0, 0, b"\0" * 40))
    if not entries:
        entries.append((b"f", 0o100644, b"\0" * 20, 0, 0, b"\0" * 40))
    entries.sort(key=lambda e: e[0])
    return Tree(entries)


@pytest.mark.parametrize("seed", range(200))
def test_plan_covers_every_tracked_directory_once(seed):
    rng = random.Random(seed)
    tree = random_tree(rng)
    n = rng.randrange(1, 6)
    shares = parallel.plan(tree, n)
    assert len(shares) == n
    covered = []
    for share in shares:
        for d, descend in share:
            covered.extend(tree.dirs_under(d) if descend else [d])
    assert sorted(covered) == sorted(tree.subdirs)


def test_plan_shares_the_work():
    entries = [(b"d%d/e%d/f%d" % (i, j, k), 0o100644, b"\0" * 20, 0, 0, b"\0" * 40)
               for i in range(3) for j in range(10) for k in range(20)]
    tree = Tree(sorted(entries))
    loads = []
    for share in parallel.plan(tree, 2):
        loads.append(sum(len(tree.files.get(dd, ())) for d, descend in share
                         for dd in (tree.dirs_under(d) if descend else [d])))
    assert sum(loads) == 600
    assert min(loads) >= 240, loads


# -- the scan ------------------------------------------------------------------
@pytest.fixture
def repo(repo):
    top = repo

    def write(rel, data=None):
        p = os.path.join(top, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(data if data is not None else rel + "\n")

    for i in range(4):
        for j in range(4):
            for k in range(3):
                write("d%d/e%d/f%d" % (i, j, k))
            write("d%d/e%d/g/h" % (i, j))
        write("d%d/top" % i)
    write("root")
    write(".gitignore", "*.o\nbuild/\n")
    os.symlink("d0/top", os.path.join(top, "link"))
    write("d1/e1/ita")
    write("d2/e2/skip")
    write("d3/e3/assume")
    git("add", ".", cwd=top)
    git("commit", "-q", "-m", "base", cwd=top)
    # every kind of change, spread over the tree
    write("d0/e0/f0", "changed, another size\n")
    write("d0/e1/f1", "d0/e1/f9\n")            # same size: decided by content
    os.remove(os.path.join(top, "d0/e2/f2"))
    os.chmod(os.path.join(top, "d1/e0/f0"), 0o755)
    os.remove(os.path.join(top, "d1/e2/f1"))
    os.mkdir(os.path.join(top, "d1/e2/f1"))      # a directory where a file was
    write("d1/e2/f1/inside")
    os.remove(os.path.join(top, "link"))
    os.symlink("d1/top", os.path.join(top, "link"))
    subprocess.run(["rm", "-rf", os.path.join(top, "d2/e0")], check=True)
    write("d2/e0", "a file where a directory was\n")
    subprocess.run(["rm", "-rf", os.path.join(top, "d2/e1")], check=True)
    os.symlink("../d3", os.path.join(top, "d2/e1"))   # a symlink where a directory was
    subprocess.run(["rm", "-rf", os.path.join(top, "d3/e0/g")], check=True)
    write("d3/e1/new")
    write("d3/e1/x.o")
    write("d3/e2/build/out")
    write("d0/untracked/deep/file")
    write("d0/untracked/x.o")
    write("d1/ignored.o/inside")
    git("init", "-q", os.path.join(top, "d2/e3/nested"), cwd=top)
    git("add", "-N", "d1/e1/ita", cwd=top, check=False)
    os.remove(os.path.join(top, "d1/e1/ita"))
    git("rm", "-q", "--cached", "d1/e1/ita", cwd=top)
    write("d1/e1/ita2")
    git("add", "-N", "d1/e1/ita2", cwd=top)
    git("update-index", "--skip-worktree", "d2/e2/skip", cwd=top)
    os.remove(os.path.join(top, "d2/e2/skip"))
    git("update-index", "--assume-unchanged", "d3/e3/assume", cwd=top)
    write("d3/e3/assume", "changed but assumed unchanged\n")
    write("d3/e3/f0", "staged\n")
    git("add", "d3/e3/f0", cwd=top)
    write("d3/e3/f0", "staged, then changed again\n")
    git("mv", "d0/e3/f0", "d0/e3/moved", cwd=top)
    # a racily clean entry: the index written in the second the file was
    write("d2/e3/f0", "d2/e3/f9\n")
    git("update-index", "d2/e3/f0", cwd=top)
    return top


MODES = [("normal", "no"), ("all", "no"), ("no", "no"), ("normal", "traditional"),
         ("normal", "matching")]


def compute(top, mode, processes, monkeypatch):
    monkeypatch.setenv(parallel.ENV, str(processes))
    # no renames: git would pair the intent-to-add and deleted files, which
    # the engine declines
    req = engine.Request(untracked=mode[0], ignored=mode[1], use_helper=False,
                         renames=False)
    inputs = DiskInputs(cwd=top, isatty=False)
    return porcelain_v2(engine.compute(discover.discover(inputs.git), req, inputs))


def fields_of(events, name):
    return [fields for n, fields in events if n == name]


def test_forked_scan_gives_git_status(repo, monkeypatch, trace_file):
    log = trace_file
    for mode in MODES:
        expect = git("--no-optional-locks", "status", "--porcelain=v2", "-z", "--no-renames",
                     "-u" + mode[0], "--ignored=" + mode[1], cwd=repo)
        assert b"\0" in expect
        for n in (1, 2, 3, 5):
            assert compute(repo, mode, n, monkeypatch) == expect, (mode, n)
    events = trace_events(log)
    for n in (2, 3, 5):
        assert {"processes": n} in fields_of(events, "status.parallel-scan")
    assert fields_of(events, "status.parallel-failed") == []


def test_a_scanning_process_killed_costs_a_serial_scan(repo, monkeypatch, trace_file):
    log = trace_file
    parent = os.getpid()
    real = parallel._do_share

    def die_in_child(scanner, tree, share):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(scanner, tree, share)

    monkeypatch.setattr(parallel, "_do_share", die_in_child)
    expect = git("--no-optional-locks", "status", "--porcelain=v2", "-z", "--no-renames", cwd=repo)
    assert compute(repo, ("normal", "no"), 2, monkeypatch) == expect
    events = trace_events(log)
    assert fields_of(events, "status.parallel-scan") == [{"processes": 2}]
    assert fields_of(events, "status.parallel-failed") == [
        {"why": "a scanning process failed: killed by signal 9"}]


def test_a_failing_scanning_process_costs_a_serial_scan(repo, monkeypatch, trace_file):
    log = trace_file
    parent = os.getpid()
    real = parallel._do_share

    def fail_in_child(scanner, tree, share):
        if os.getpid() != parent:
            raise OSError("injected")
        return real(scanner, tree, share)

    monkeypatch.setattr(parallel, "_do_share", fail_in_child)
    expect = git("--no-optional-locks", "status", "--porcelain=v2", "-z", "--no-renames", cwd=repo)
    assert compute(repo, ("normal", "no"), 3, monkeypatch) == expect
    assert fields_of(trace_events(log), "status.parallel-failed") == [
        {"why": "a scanning process failed: OSError: injected"}]


def test_unsupported_in_a_scanning_process_is_unsupported(repo, monkeypatch):
    # a negated pattern below the top: libgit2 differs from git there
    for d in ("d0", "d3/e3"):
        with open(os.path.join(repo, d, ".gitignore"), "w") as f:
            f.write("!keep.o\n")
    for n in (1, 2, 3):
        monkeypatch.setenv(parallel.ENV, str(n))
        inputs = DiskInputs(cwd=repo, isatty=False)
        with pytest.raises(Decline, match="a negated pattern in"):
            engine.compute(discover.discover(inputs.git), engine.Request(use_helper=False),
                           inputs)


def test_processes(monkeypatch):
    monkeypatch.setenv(parallel.ENV, "3")
    assert parallel.processes(10, os.environ) == 3
    monkeypatch.setenv(parallel.ENV, "1")
    assert parallel.processes(10 ** 6, os.environ) == 1
    monkeypatch.delenv(parallel.ENV)
    assert parallel.processes(parallel.MIN_ENTRIES - 1, os.environ) == 1
    assert parallel.processes(parallel.MIN_ENTRIES, os.environ) == \
        min(len(os.sched_getaffinity(0)), parallel.MAX_PROCESSES)


# -- the ignore rules, asked of git check-ignore ---------------------------------
ODD = [b":colon.o", b":(top)x.o", b"new\nline.o", b"\xff.o", b"tab\t.o", b"-dash.o",
       b"*.o", b"keep.o", b"plain", b"sub/deep.o", b"sub/keep.o", b"build", b"sub/build",
       b"notbuild"]


def test_ignore_asks_git_check_ignore(repo):
    with open(os.path.join(repo, ".gitignore"), "w") as f:
        f.write("*.o\n!keep.o\nbuild/\n")
    os.mkdir(os.path.join(os.fsencode(repo), b"sub"))
    for name in ODD:
        p = os.path.join(os.fsencode(repo), name)
        if name.endswith(b"build"):
            os.makedirs(p, exist_ok=True)
        else:
            with open(p, "wb") as f:
                f.write(b"x\n")
    ignore = Ignore(Git(cwd=repo), repo)
    try:
        got = {name: ignore(name, name.endswith(b"build")) for name in ODD}
    finally:
        ignore.close()
    assert got == {
        b":colon.o": True, b":(top)x.o": True, b"new\nline.o": True, b"\xff.o": True,
        b"tab\t.o": True, b"-dash.o": True, b"*.o": True, b"keep.o": False,
        b"plain": False, b"sub/deep.o": True, b"sub/keep.o": False, b"build": True,
        b"sub/build": True, b"notbuild": False}
    assert ignore.calls == len(ODD)
    assert ignore.proc is None


def test_a_forked_process_asks_its_own_check_ignore(repo):
    names = [b"d%d/x%d.o" % (i % 4, i) for i in range(300)] + \
        [b"d%d/y%d" % (i % 4, i) for i in range(300)]
    for name in names:
        with open(os.path.join(os.fsencode(repo), name), "wb") as f:
            f.write(b"x\n")
    ignore = Ignore(Git(cwd=repo), repo)
    assert ignore(names[0], False) is True      # started before the fork
    pid = os.fork()
    if pid == 0:                                   # pragma: no cover (the child)
        code = 1
        try:
            ignore.forget()
            ok = all(ignore(n, False) is n.endswith(b".o") for n in names)
            ignore.close()
            code = 0 if ok else 2
        finally:
            os._exit(code)
    try:
        ok = all(ignore(n, False) is n.endswith(b".o") for n in reversed(names))
    finally:
        _, status = os.waitpid(pid, 0)
        ignore.close()
    assert ok
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
