"""`git status --short` and `--porcelain` (v1): two status letters and a path.

The porcelain v1 format is the short format with paths always relative to the
top of the worktree and never in color.  Both quote a path that holds a space.
Tracked entries come first in path order, then "??" and "!!" lines.  -z ends
each entry with NUL and prints a rename as "R  new\\0old\\0".
"""

from git_fswatch.status.format_porcelain2 import tracked_in_order
from git_fswatch.status.quote import PathFormatter


def _paint(palette, slot, text):
    if palette is None or not text:
        return text
    return palette.paint(slot, text)


def _branch_line(status, out, palette):
    b = status.branch
    head = lambda t: _paint(palette, "header", t)
    line = head(b"## ")
    if b.head is None:
        return line + _paint(palette, "nobranch", b"HEAD (no branch)")
    name = b.head.encode("utf-8", "surrogateescape")
    if b.oid is None:
        line += head(b"No commits yet on ")
    line += _paint(palette, "localBranch", name)
    if not b.upstream:
        return line
    line += head(b"...") + _paint(palette, "remoteBranch",
                                  b.upstream.encode("utf-8", "surrogateescape"))
    if b.upstream_gone:
        return line + head(b" [gone]")
    if b.ahead is None or b.behind is None:
        return line + head(b" [different]")
    if not b.ahead and not b.behind:
        return line
    parts = line + head(b" [")
    if b.ahead:
        parts += head(b"ahead ") + _paint(palette, "localBranch", b"%d" % b.ahead)
    if b.behind:
        if b.ahead:
            parts += head(b", ")
        parts += head(b"behind ") + _paint(palette, "remoteBranch", b"%d" % b.behind)
    return parts + head(b"]")


def format_short(status, out, porcelain=False):
    """Return the bytes of `git status --short` (or `--porcelain` v1)."""
    palette = None if porcelain else out.color
    eol = b"\0" if out.nul else b"\n"
    prefix = b"" if porcelain else out.path_prefix()
    fmt = PathFormatter(prefix, out.quote_path, True, out.nul)
    lines = []
    if out.branch:
        lines.append(_branch_line(status, out, palette))
    for e in tracked_in_order(status):
        if hasattr(e, "xy"):
            code = _paint(palette, "unmerged", e.xy.encode())
        else:
            x = " " if e.x == "." else e.x
            y = " " if e.y == "." else e.y
            code = (_paint(palette, "updated", x.encode()) if x != " " else b" ") + \
                   (_paint(palette, "changed", y.encode()) if y != " " else b" ")
        if getattr(e, "orig_path", None) is not None and e.x in "RC":
            if out.nul:
                lines.append(code + b" " + fmt(e.path) + b"\0" + fmt(e.orig_path))
            else:
                lines.append(code + b" " + fmt(e.orig_path) + b" -> " + fmt(e.path))
        else:
            lines.append(code + b" " + fmt(e.path))
    # With -z git leaves "??" and "!!" uncolored (but not the other codes).
    other = None if out.nul else palette
    for p in status.untracked:
        lines.append(_paint(other, "untracked", b"??") + b" " + fmt(p))
    for p in status.ignored:
        lines.append(_paint(other, "ignored", b"!!") + b" " + fmt(p))
    return b"".join(line + eol for line in lines)
