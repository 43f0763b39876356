"""quote.py against git's own quoting (git ls-files) and relative paths."""

import os

import pytest

from git_fswatch.status.quote import PathFormatter, quote_c, relative
from testlib import git


@pytest.fixture(scope="module")
def funny_repo(tmp_path_factory):
    top = tmp_path_factory.mktemp("quote")
    git("init", "-q", "-b", "main", top)
    names = []
    for b in range(1, 256):
        if b in (ord("/"), ord(".")):
            continue
        names.append(b"n" + bytes([b]) + b"x")
    names += [b"a b", "é".encode(), b"\xff\xfe", b'q"', b"back\\slash", b"-", b"tab\tnl\n"]
    for n in names:
        with open(os.path.join(os.fsencode(str(top)), n), "wb") as f:
            f.write(b"x")
    git("add", "-A", cwd=top)
    return top, names


def _ls(top, quote_path):
    out = git("-c", "core.quotePath=" + quote_path, "ls-files", cwd=top)
    return out.split(b"\n")[:-1]


def _unquoted(top):
    out = git("ls-files", "-z", cwd=top)
    return out.split(b"\0")[:-1]


@pytest.mark.parametrize("quote_path", ["true", "false"])
def test_quote_matches_git(funny_repo, quote_path):
    top, names = funny_repo
    raw = _unquoted(top)
    assert sorted(raw) == sorted(names)
    quoted = _ls(top, quote_path)
    ours = [quote_c(p, quote_path == "true") for p in raw]
    assert ours == quoted


def test_quote_space_only_when_asked():
    assert quote_c(b"a b") == b"a b"
    assert quote_c(b"a b", quote_space=True) == b'"a b"'
    assert quote_c(b"plain", quote_space=True) == b"plain"


@pytest.mark.parametrize("path,prefix,expect", [
    (b"a", b"", b"a"),
    (b"a", b"sub/", b"../a"),
    (b"sub/x", b"sub/", b"x"),
    (b"sub/", b"sub/", b"./"),
    (b"sub2/x", b"sub/", b"../sub2/x"),
    (b"a/b/c", b"a/d/", b"../b/c"),
    (b"a/bc", b"a/b/", b"../bc"),
    (b"a/b/", b"a/b/c/d/", b"../../"),
    (b"x/y", b"a/b/c/", b"../../../x/y"),
])
def test_relative(path, prefix, expect):
    assert relative(path, prefix) == expect
    # The formatter's per-directory memo gives the same, twice.
    fmt = PathFormatter(prefix, quote_path=False)
    assert fmt(path) == expect
    assert fmt(path) == expect


def test_nul_means_no_quoting_and_top_relative():
    fmt = PathFormatter(b"sub/", True, True, nul=True)
    assert fmt(b"a b\t") == b"a b\t"
    fmt = PathFormatter(b"sub/", True, True, nul=False)
    assert fmt(b"a b") == b'"../a b"'
