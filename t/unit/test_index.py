"""The index reader against git's own view of the index, and racy git."""

import hashlib
import os
import struct

import pytest

from git_fswatch.repo import discover
from git_fswatch.status import engine
from git_fswatch.repo import index as ix
from git_fswatch.decline import Decline
from git_fswatch.status.inputs import DiskInputs
from testlib import git


@pytest.fixture
def repo(repo):
    top = repo
    names = [b"a", b"b/c", b"b/d e", b"b/long" + b"x" * 240, b"new\nline", b"\xc3\xa9",
             b"b-c", b"b.c", b"deep/er/est/f"]
    for n in names:
        p = os.path.join(os.fsencode(top), n)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(n + b"\n")
    git("add", ".", cwd=top)
    # a path longer than the 12 bits of an entry's name length: index only
    oid = git("rev-parse", ":a", cwd=top).strip().decode()
    git("update-index", "--add", "--cacheinfo",
        "100644,%s,%s" % (oid, "/".join(["y" * 200] * 25)), cwd=top)
    git("commit", "-q", "-m", "one", cwd=top)
    return top


def ls_files(top):
    """(mode, oid, stage, path) as git sees them, in index order."""
    out = git("ls-files", "-s", "-z", cwd=top)
    rows = []
    for rec in out.split(b"\0")[:-1]:
        meta, path = rec.split(b"\t", 1)
        mode, oid, stage = meta.split(b" ")
        rows.append((int(mode, 8), oid.decode(), int(stage), path))
    return rows


def mine(top):
    idx = ix.read(os.path.join(top, ".git", "index"))
    return idx, [(e[ix.MODE], e[ix.OID].hex(), e[ix.STAGE], e[ix.PATH]) for e in idx.entries]


@pytest.mark.parametrize("version", [2, 3, 4])
def test_versions_read_as_git_reads_them(repo, version):
    git("update-index", "--index-version", str(version), cwd=repo)
    if version >= 3:
        git("update-index", "--skip-worktree", "a", cwd=repo)   # extended flags
    idx, rows = mine(repo)
    assert idx.version == version
    assert rows == ls_files(repo)
    st = os.lstat(os.path.join(repo, "b", "c"))
    entry = [e for e in idx.entries if e[ix.PATH] == b"b/c"][0]
    cs, cn, ms, mn, dev, ino, mode, uid, gid, size = ix.stat_fields(entry)
    assert ms * 10**9 + mn == st.st_mtime_ns
    assert cs * 10**9 + cn == st.st_ctime_ns
    assert (ino, mode, uid, gid, size) == (st.st_ino & 0xFFFFFFFF, 0o100644,
                                           st.st_uid, st.st_gid, st.st_size)


def test_flags(repo):
    git("update-index", "--skip-worktree", "b/c", cwd=repo)
    git("update-index", "--assume-unchanged", "a", cwd=repo)
    with open(os.path.join(repo, "ita"), "w") as f:
        f.write("x\n")
    git("add", "-N", "ita", cwd=repo)
    idx, _ = mine(repo)
    flags = {e[ix.PATH]: (bool(e[ix.FLAGS] & ix.F_ASSUME), bool(e[ix.FLAGS] & ix.F_SKIP),
                          bool(e[ix.FLAGS] & ix.F_ITA)) for e in idx.entries}
    assert flags[b"a"] == (True, False, False)
    assert flags[b"b/c"] == (False, True, False)
    assert flags[b"ita"] == (False, False, True)
    assert flags[b"b/d e"] == (False, False, False)


def test_stages(repo):
    oid = git("rev-parse", "HEAD:a", cwd=repo).strip().decode()
    info = "".join("100644 %s %d\tconflict\n" % (oid, s) for s in (1, 2, 3))
    git("update-index", "--index-info", cwd=repo, input=info.encode())
    idx, rows = mine(repo)
    assert rows == ls_files(repo)
    assert [e[ix.STAGE] for e in idx.entries if e[ix.PATH] == b"conflict"] == [1, 2, 3]


def test_extensions_skipped_and_identity(repo):
    git("update-index", "--untracked-cache", cwd=repo)
    git("status", "--porcelain", cwd=repo)
    idx, rows = mine(repo)
    assert "TREE" in idx.extensions
    assert rows == ls_files(repo)
    assert ix.read_identity(os.path.join(repo, ".git", "index")) == idx.identity()
    git("update-index", "--index-version", "4", cwd=repo)
    assert ix.read_identity(os.path.join(repo, ".git", "index")) != idx.identity()


def test_split_index_is_unsupported(repo):
    git("update-index", "--split-index", cwd=repo)
    with pytest.raises(Decline):
        mine(repo)


def test_unknown_mandatory_extension_is_unsupported(repo):
    path = os.path.join(repo, ".git", "index")
    with open(path, "rb") as f:
        data = f.read()
    body = data[:-20] + b"zzzz" + struct.pack(">I", 0)
    with pytest.raises(Decline):
        ix.parse(body + b"\0" * 20)
    # the same with an optional (upper case) extension parses
    body = data[:-20] + b"ZZZZ" + struct.pack(">I", 3) + b"abc"
    assert ix.parse(body + b"\0" * 20)[3][-1] == "ZZZZ"


def test_damaged_index_is_unsupported(repo):
    path = os.path.join(repo, ".git", "index")
    with open(path, "rb") as f:
        data = f.read()
    with pytest.raises(Decline):
        ix.parse(b"DIRX" + data[4:])
    with pytest.raises(Decline):
        ix.parse(data[:200])



def _compute(top):
    inputs = DiskInputs(cwd=top, isatty=False)
    return engine.compute(discover.discover(inputs.git), engine.Request(use_helper=False),
                          inputs)


def forge_stat(index_path, path, st):
    """Give *path*'s entry in a version 2 index the stat data *st*, as if git
    had recorded it, and seal the index with a fresh checksum."""
    with open(index_path, "rb") as f:
        data = bytearray(f.read())
    assert data[4:8] == b"\0\0\0\2"
    pos = 12
    for _ in range(struct.unpack(">I", data[8:12])[0]):
        flags = struct.unpack(">H", data[pos + 60:pos + 62])[0]
        name = bytes(data[pos + 62:pos + 62 + (flags & 0xFFF)])
        if name == path:
            fields = [st.st_ctime_ns // 10**9, st.st_ctime_ns % 10**9,
                      st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9,
                      st.st_dev, st.st_ino, st.st_mode, st.st_uid, st.st_gid, st.st_size]
            data[pos:pos + 40] = struct.pack(">10I", *[x & 0xFFFFFFFF for x in fields])
            break
        pos += (62 + len(name) + 8) & ~7
    else:
        raise AssertionError("no entry %r" % path)
    data[-20:] = hashlib.sha1(bytes(data[:-20])).digest()
    with open(index_path, "wb") as f:
        f.write(data)


def test_racily_clean_entry_is_decided_by_content(repo):
    """A file rewritten with the same size in the tick its index entry was
    recorded has stat data equal to the entry's; only the index's own mtime
    (not older than the entry) says that the entry cannot be trusted.  Nanosecond
    timestamps make that race hard to hit on purpose, so the entry is given the
    rewritten file's stat data directly; git status is the oracle, both ways."""
    git("update-index", "--index-version", "2", cwd=repo)
    index_path = os.path.join(repo, ".git", "index")
    path = os.path.join(repo, "racy")
    with open(path, "wb") as f:
        f.write(b"original\n")
    git("add", "racy", cwd=repo)
    git("commit", "-q", "-m", "racy", cwd=repo)
    with open(path, "wb") as f:
        f.write(b"REWRITE!\n")
    forge_stat(index_path, b"racy", os.lstat(path))
    st = os.stat(index_path)
    os.utime(index_path, ns=(st.st_atime_ns, os.lstat(path).st_mtime_ns))

    status = _compute(repo)
    assert [(c.x, c.y) for c in status.changes if c.path == b"racy"] == [(".", "M")]
    assert git("--no-optional-locks", "status", "--porcelain", "--", "racy",
               cwd=repo) == b" M racy\n"

    # The same index written 10 seconds later: the entry is no longer racy,
    # stat data decide, and git (wrongly, but by design) calls the file clean.
    os.utime(index_path, ns=(st.st_atime_ns, os.lstat(path).st_mtime_ns + 10 * 10**9))
    status = _compute(repo)
    assert [c for c in status.changes if c.path == b"racy"] == []
    assert git("--no-optional-locks", "status", "--porcelain", "--", "racy",
               cwd=repo) == b""
