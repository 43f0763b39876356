"""Paths as git status prints them: relative to the cwd, C-style quoted.

git quotes a path in double quotes when it holds a byte that needs escaping:
a control byte, '"', '\\', DEL, and (unless core.quotePath is false) any byte
of 0x80 and above.  Inside the quotes the usual C escapes are used (\\t, \\n,
...), other bytes as three octal digits.  The short format also quotes a path
that holds a space, so that "old -> new" stays parseable.  With -z nothing is
quoted and paths are always relative to the top of the worktree.
"""

_NAMED = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v",
          12: b"\\f", 13: b"\\r", 34: b'\\"', 92: b"\\\\"}


def _needs(byte, quote_path):
    return byte < 0x20 or byte in (0x22, 0x5c, 0x7f) or (quote_path and byte >= 0x80)


def quote_c(path, quote_path=True, quote_space=False):
    """Return *path* (bytes), quoted as git does when it must be."""
    if not any(_needs(b, quote_path) for b in path) and not (quote_space and b" " in path):
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

    def __call__(self, path):
        rel = relative(path, self.prefix)
        if self.nul:
            return rel
        return quote_c(rel, self.quote_path, self.quote_space)
