"""The warm engine's parts: the git dir watch, the memo of git commands,
the client's discovery of the git dir and the answer's encoding.  Real
inotify, real git; the whole daemon is exercised by t7600-status-warm.sh and
test_warm_random.py."""

import os
import pathlib
import subprocess

import pytest

from git_fswatch.client import warm as warm_client
from git_fswatch.repo import discover
from git_fswatch.repo.git import Git, Memo
from git_fswatch.server.gitdir_watch import GitDirWatch
from git_fswatch.server.warm_inputs import IndexBytes
from git_fswatch.wire import protocol
from testlib import git as run_git


@pytest.fixture
def repo(repo):
    top = pathlib.Path(repo)
    (top / "f").write_text("f\n")
    run_git("add", "f", cwd=top)
    run_git("commit", "-q", "-m", "one", cwd=top)
    return top


def test_git_dir_watch_counts_what_matters(repo):
    gd = repo / ".git"
    w = GitDirWatch(str(gd), str(gd))
    try:
        g = w.poll()
        assert w.poll() == g                       # nothing happened
        (gd / "index.lock").write_bytes(b"x")
        os.unlink(gd / "index.lock")
        assert w.poll() == g                       # a lock taken and dropped
        (gd / "fswatch").mkdir()
        (gd / "fswatch" / "status.cache").write_bytes(b"x")
        assert w.poll() == g                       # our own directory
        (gd / "index.lock").write_bytes(b"x")
        os.rename(gd / "index.lock", gd / "index")
        g2 = w.poll()
        assert g2 != g                             # renamed into place
        # a new directory below refs/ is watched from its creation on
        (gd / "refs" / "heads" / "topic").mkdir()
        g3 = w.poll()
        assert g3 != g2
        (gd / "refs" / "heads" / "topic" / "x").write_bytes(b"0" * 40 + b"\n")
        assert w.poll() != g3
        # a reflog appended in place
        g4 = w.poll()
        with open(gd / "logs" / "HEAD", "ab") as f:
            f.write(b"line\n")
        assert w.poll() != g4
    finally:
        w.close()


def test_git_memo_remembers_read_only_commands_per_context(repo):
    memo = Memo()
    git = Git(dict(os.environ), str(repo), memo)
    memo.enter(("generation", 1))
    a = git.run(["rev-parse", "HEAD"])
    b = git.run(["rev-parse", "HEAD"])
    assert memo.hits == 1 and a.stdout == b.stdout
    # never remembered: abbreviations, and commands that write
    assert not memo.abbreviated
    git.run(["rev-parse", "--short", "HEAD"])
    git.run(["rev-parse", "--short", "HEAD"])
    git.run(["update-ref", "refs/heads/x", "HEAD"])
    git.run(["update-ref", "refs/heads/x", "HEAD"])
    assert memo.hits == 1 and memo.abbreviated
    # a job (diff-index --cached runs beside the scan) is remembered too
    with git.job(["diff-index", "--cached", "HEAD"]) as job:
        first = job.result()
    with git.job(["diff-index", "--cached", "HEAD"]) as job:
        assert job.proc is None and job.result() is first
    assert memo.hits == 2
    # another directory or environment is another command
    git.at(str(repo / ".git")).run(["rev-parse", "HEAD"])
    Git(dict(os.environ, X="1"), str(repo), memo).run(["rev-parse", "HEAD"])
    assert memo.hits == 2
    run_git("commit", "-q", "--allow-empty", "-m", "two", cwd=repo)
    memo.enter(("generation", 2))                  # a new context forgets
    c = git.run(["rev-parse", "HEAD"])
    assert memo.hits == 2 and c.stdout != a.stdout
    memo.enter(None)                               # no context: nothing remembered
    for _ in range(2):
        git.run(["rev-parse", "HEAD"])
    assert memo.hits == 2


def test_client_finds_the_git_dir_as_git_does(repo, tmp_path):
    top = os.fsencode(str(repo))
    (repo / "sub" / "deep").mkdir(parents=True)
    assert discover.find(top) == (top, top + b"/.git")
    assert discover.find(top + b"/sub/deep") == (top, top + b"/.git")
    # inside the git dir: not a worktree, as git says
    assert discover.find(top + b"/.git/refs") is None
    # a .git file (linked worktree, submodule)
    linked = os.fsencode(str(tmp_path / "linked"))
    run_git("worktree", "add", "-q", "--detach", os.fsdecode(linked), cwd=repo)
    worktree, found = discover.find(linked)
    assert worktree == linked
    assert os.path.realpath(found) == os.path.realpath(
        os.fsencode(str(repo / ".git" / "worktrees" / "linked")))
    # a nested repository wins over the outer one
    run_git("init", "-q", cwd=repo / "sub")
    assert discover.find(top + b"/sub/deep") == (top + b"/sub", top + b"/sub/.git")
    bare = tmp_path / "nothing"
    bare.mkdir()
    assert discover.find(os.fsencode(str(bare))) in (None, (b"/", b"/.git"))


def test_answer_round_trip_keeps_nul_bytes():
    out = b"1 .M N... x\0? new\0"
    err = b"warning: x\n"
    records = [("version", 1), ("exit", 0), ("how", "computed")]
    records += [("out", p) for p in out.split(b"\0")]
    records += [("err", p) for p in err.split(b"\0")]
    msg = protocol.decode(protocol.encode(records))
    assert warm_client.parse(msg) == (out, err, 0)
    assert warm_client.parse(protocol.decode(protocol.encode(
        [("version", 1), ("unsupported", "why")]))) is None
    # a get-style answer (a sync timeout) is no status answer
    assert warm_client.parse(protocol.decode(protocol.encode(
        [("version", 1), ("token", "a:1"), ("everything", "sync-timeout")]))) is None


def test_no_daemon_means_cold(repo, monkeypatch):
    monkeypatch.chdir(repo)
    assert warm_client.try_warm(["-s"]) is None
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / "other"))
    assert warm_client.try_warm(["-s"]) is None


def test_index_bytes_kept_while_the_file_keeps_its_identity(repo):
    index = repo / ".git" / "index"
    kept = IndexBytes()
    first, st = kept.read(str(index))
    one = index.read_bytes()
    assert first[:] == one and st.st_size == len(one)
    assert kept.read(str(index))[0] is first and kept.hits == 1   # not read again
    # git's way: a new file renamed into place; the old map is unchanged
    (repo / "g").write_text("g\n")
    run_git("add", "g", cwd=repo)
    second, _ = kept.read(str(index))
    two = index.read_bytes()
    assert second[:] == two != one and first[:] == one
    assert second.index(b"\0", 12) == two.index(b"\0", 12)
    # rewritten in place with the same size and mtime: the checksum differs
    before = os.stat(index)
    changed = bytearray(two)
    changed[-1] ^= 0xff
    with open(index, "r+b") as f:
        f.write(changed)
    os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns))
    third, _ = kept.read(str(index))
    assert third is not second and third[:] == bytes(changed)
    # no checksum (index.skipHash): read every time
    index.write_bytes(two[:-20] + b"\0" * 20)
    reads = kept.reads
    assert kept.read(str(index))[0] == two[:-20] + b"\0" * 20
    kept.read(str(index))
    assert kept.reads == reads + 2
    # no index: (None, None)
    index.unlink()
    assert kept.read(str(index)) == (None, None)
