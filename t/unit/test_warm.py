"""The warm engine's parts: the git dir watch, the memo of git commands,
the client's discovery of the git dir and the answer's encoding.  Real
inotify, real git; the whole daemon is exercised by t7600-status-warm.sh and
test_warm_random.py."""

import os
import pathlib
import subprocess

import pytest

from git_fswatch.wire import protocol
from git_fswatch.server import warm
from git_fswatch.client import warm as warm_client
from testlib import git


@pytest.fixture
def repo(repo):
    top = pathlib.Path(repo)
    (top / "f").write_text("f\n")
    git("add", "f", cwd=top)
    git("commit", "-q", "-m", "one", cwd=top)
    return top


def test_git_dir_watch_counts_what_matters(repo):
    gd = repo / ".git"
    w = warm.GitDirWatch(str(gd), str(gd))
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
    memo = warm.GitMemo()
    memo.enter(("generation", 1))
    with memo.active():
        a = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
        b = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
        assert memo.hits == 1 and a.stdout == b.stdout
        # never remembered: abbreviations, and commands that write
        subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
        subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
        subprocess.run(["git", "update-ref", "refs/heads/x", "HEAD"], cwd=repo)
        subprocess.run(["git", "update-ref", "refs/heads/x", "HEAD"], cwd=repo)
        assert memo.hits == 1
    git("commit", "-q", "--allow-empty", "-m", "two", cwd=repo)
    memo.enter(("generation", 2))                  # a new context forgets
    with memo.active():
        c = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
    assert memo.hits == 1 and c.stdout != a.stdout
    memo.enter(None)                               # no context: nothing remembered
    with memo.active():
        for _ in range(2):
            subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE)
    assert memo.hits == 1
    assert subprocess.run is not None and subprocess.run.__module__ == "subprocess"


def test_client_finds_the_git_dir_as_git_does(repo, tmp_path):
    top = os.fsencode(str(repo))
    (repo / "sub" / "deep").mkdir(parents=True)
    assert warm_client.find_git_dir(top) == top + b"/.git"
    assert warm_client.find_git_dir(top + b"/sub/deep") == top + b"/.git"
    # inside the git dir: not a worktree, as git says
    assert warm_client.find_git_dir(top + b"/.git/refs") is None
    # a .git file (linked worktree, submodule)
    linked = tmp_path / "linked"
    git("worktree", "add", "-q", "--detach", str(linked), cwd=repo)
    found = warm_client.find_git_dir(os.fsencode(str(linked)))
    assert os.path.realpath(found) == os.path.realpath(
        os.fsencode(str(repo / ".git" / "worktrees" / "linked")))
    # a nested repository wins over the outer one
    git("init", "-q", cwd=repo / "sub")
    assert warm_client.find_git_dir(top + b"/sub/deep") == top + b"/sub/.git"
    bare = tmp_path / "nothing"
    bare.mkdir()
    assert warm_client.find_git_dir(os.fsencode(str(bare))) in (None, b"/.git")


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
    kept = warm.IndexBytes()
    first, st = kept.read(str(index))
    one = index.read_bytes()
    assert first[:] == one and st.st_size == len(one)
    assert kept.read(str(index))[0] is first and kept.hits == 1   # not read again
    # git's way: a new file renamed into place; the old map is unchanged
    (repo / "g").write_text("g\n")
    git("add", "g", cwd=repo)
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
