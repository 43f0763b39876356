"""Paths as git status prints them: relative to the cwd, C-style quoted.

git quotes a path in double quotes when it holds a byte that needs escaping:
a control byte, '"', '\\', DEL, and (unless core.quotePath is false) any byte
of 0x80 and above.  Inside the quotes the usual C escapes are used (\\t, \\n,
...), other bytes as three octal digits.  The short format also quotes a path
that holds a space, so that "old -> new" stays parseable.  With -z nothing is
quoted and paths are always relative to the top of the worktree.
"""

import re

_NAMED = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v",
          12: b"\\f", 13: b"\\r", 34: b'\\"', 92: b"\\\\"}


def _needs(byte, quote_path):
    return byte < 0x20 or byte in (0x22, 0x5c, 0x7f) or (quote_path and byte >= 0x80)


# What makes a path need quotes, with core.quotePath on and off.
_SPECIAL = {True: re.compile(rb'[\x00-\x1f"\\\x7f-\xff]'),
            False: re.compile(rb'[\x00-\x1f"\\\x7f]')}


def quote_c(path, quote_path=True, quote_space=False):
    """Return *path* (bytes), quoted as git does when it must be."""
    if not _SPECIAL[bool(quote_path)].search(path) and not (quote_space and b" " in path):
        return path
    out = bytearray(b'"')
    for b in path:
        if _needs(b, quote_path):
            out += _NAMED.get(b) or b"\\%03o" % b
        else:
            out.append(b)
    out += b'"'
    return bytes(out)


def relative(path, prefix):
    """*path* (from the top) as seen from the directory *prefix* ("" or "a/b/").

    A directory path keeps its trailing '/'; the prefix directory itself is
    "./", as git prints it.
    """
    if not prefix:
        return path
    if path.startswith(prefix):
        rest = path[len(prefix):]
        return rest if rest else b"./"
    # Walk up from the prefix to the first common directory.
    pparts = prefix.rstrip(b"/").split(b"/")
    i = 0
    while True:
        head = b"/".join(pparts[:i + 1]) + b"/"
        if i < len(pparts) and path.startswith(head):
            i += 1
        else:
            break
    common = b"/".join(pparts[:i]) + b"/" if i else b""
    return b"../" * (len(pparts) - i) + path[len(common):]


class PathFormatter:
    """How one output format prints a path."""

    def __init__(self, prefix=b"", quote_path=True, quote_space=False, nul=False):
        self.prefix = b"" if nul else prefix
        self.quote_path = quote_path
        self.quote_space = quote_space
        self.nul = nul
        self._dirs = {}   # parent directory -> the same, relative to the prefix

    def _relative(self, path):
        if not self.prefix or path.startswith(self.prefix):
            return relative(path, self.prefix)
        head, slash, tail = path.rpartition(b"/")
        if not slash:
            head = b""
        rel = self._dirs.get(head)
        if rel is None:
            rel = self._dirs[head] = relative(head + b"/", self.prefix) if head else \
                b"../" * self.prefix.count(b"/")
        return rel + tail

    def __call__(self, path):
        rel = self._relative(path)
        if self.nul:
            return rel
        return quote_c(rel, self.quote_path, self.quote_space)
