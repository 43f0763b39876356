"""Scanner.examine()'s inlined decision for clean entries (scan.py).

A stat field wider than git's 32 bits (a file of 4 GiB or more) must be
truncated as git truncates it before the comparison: a large file that did
not change is clean without being read.
"""

import os

from git_fswatch.repo import index as ix
from git_fswatch.status import scan
from git_fswatch.status.tree import Tree

BIG = (1 << 32) + 5


def stat_data(st, mode, size=None):
    m = 0xFFFFFFFF
    return ix.STAT.pack((st.st_ctime_ns // 10 ** 9) & m, st.st_ctime_ns % 10 ** 9,
                        (st.st_mtime_ns // 10 ** 9) & m, st.st_mtime_ns % 10 ** 9,
                        st.st_dev & m, st.st_ino & m, mode, st.st_uid & m, st.st_gid & m,
                        (st.st_size if size is None else size) & m)


def entry(path, sd, mode=0o100644, flags=0):
    return (path, mode, b"\x01" * 20, 0, flags, sd)


def scanner(top, entries, hashed):
    tree = Tree(sorted(entries))
    # an index written well after the files: nothing is racily clean
    sc = scan.Scanner(top, os.stat(top).st_mtime_ns + 10 ** 10, tree,
                      lambda p, d: False, "no")
    real = scan.hash_path

    def counting(path, mode):
        hashed.append(path)
        return real(path, mode)

    return sc, counting


def test_a_file_of_more_than_4_gib(tmp_path, monkeypatch):
    top = str(tmp_path)
    with open(os.path.join(top, "big"), "wb") as f:
        f.truncate(BIG)                     # sparse: takes no room
    with open(os.path.join(top, "small"), "wb") as f:
        f.write(b"x\n")
    os.chmod(os.path.join(top, "small"), 0o644)
    os.chmod(os.path.join(top, "big"), 0o644)
    big = os.lstat(os.path.join(top, "big"))
    small = os.lstat(os.path.join(top, "small"))
    assert big.st_size & 0xFFFFFFFF == 5
    entries = [entry(b"big", stat_data(big, 0o100644)),
               entry(b"small", stat_data(small, 0o100644))]
    hashed = []
    sc, counting = scanner(top, entries, hashed)
    monkeypatch.setattr(scan, "hash_path", counting)
    changes, untracked, ignored, subdirs = sc.examine(b"", reachable=True)
    assert changes == {}
    assert hashed == []
    # and once it changed, it is modified
    with open(os.path.join(top, "big"), "wb") as f:
        f.truncate(7)
    sc, counting = scanner(top, entries, hashed)
    changes, _, _, _ = sc.examine(b"", reachable=True)
    assert changes == {b"big": ("M", 0o100644)}


def test_the_inlined_decision_agrees_with_compare(tmp_path, monkeypatch):
    # the same stat data decided by examine() and by _compare() alone
    top = str(tmp_path)
    names = [b"a", b"b", b"c", b"d"]
    for n in names:
        with open(os.path.join(top, n.decode()), "wb") as f:
            f.write(n * 3)
    os.chmod(os.path.join(top, "c"), 0o664)   # not 0644: left to _compare
    sts = {n: os.lstat(os.path.join(top, n.decode())) for n in names}
    entries = [entry(b"a", stat_data(sts[b"a"], 0o100644)),
               entry(b"b", stat_data(sts[b"b"], 0o100644, size=99)),
               entry(b"c", stat_data(sts[b"c"], 0o100644)),
               entry(b"d", stat_data(sts[b"d"], 0o100644), flags=ix.F_ITA)]
    hashed = []
    sc, counting = scanner(top, entries, hashed)
    monkeypatch.setattr(scan, "hash_path", counting)
    changes, _, _, _ = sc.examine(b"", reachable=True)
    assert changes == {b"b": ("M", 0o100644), b"d": ("A", 0o100644)}
    assert hashed == []
