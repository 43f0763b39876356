"""`git status --porcelain=v2`: the Status almost field for field.

Headers ("# branch.*" with --branch, "# stash <n>" with --show-stash), then
the tracked entries ("1" and "2" lines in path order, then "u" lines), then "?" and "!"
lines.  Paths are relative to the cwd unless status.relativePaths is false or
-z is given; -z ends every record with NUL and puts NUL, not TAB, between a
rename's two paths.
"""

from git_fswatch.status.quote import PathFormatter


def tracked_in_order(status):
    """Changes and unmerged entries merged into one list sorted by path."""
    entries = list(status.changes) + list(status.unmerged)
    entries.sort(key=lambda e: e.path)
    return entries


def _branch_headers(status, out):
    b = status.branch
    lines = [b"# branch.oid " + (b.oid.encode() if b.oid else b"(initial)"),
             b"# branch.head " + (b.head.encode("utf-8", "surrogateescape")
                                  if b.head else b"(detached)")]
    if b.upstream:
        lines.append(b"# branch.upstream " + b.upstream.encode("utf-8", "surrogateescape"))
        if not b.upstream_gone:
            if b.ahead is None or b.behind is None:
                lines.append(b"# branch.ab +? -?")
            else:
                lines.append(b"# branch.ab +%d -%d" % (b.ahead, b.behind))
    return lines


def format_porcelain2(status, out):
    """Return the bytes of `git status --porcelain=v2` for *status*."""
    eol = b"\0" if out.nul else b"\n"
    sep = b"\0" if out.nul else b"\t"
    fmt = PathFormatter(out.path_prefix(), out.quote_path, False, out.nul)
    lines = []
    if out.branch:
        lines += _branch_headers(status, out)
    if out.show_stash and status.stash_count:
        lines.append(b"# stash %d" % status.stash_count)
    # Ordinary changes first, then the unmerged entries, each in path order
    # (the short format interleaves them; porcelain v2 does not).
    for e in sorted(status.changes, key=lambda e: e.path) + \
            sorted(status.unmerged, key=lambda e: e.path):
        if hasattr(e, "xy"):
            lines.append(b"u %s %s %06o %06o %06o %06o %s %s %s %s" % (
                e.xy.encode(), e.submodule.encode(),
                e.modes[0], e.modes[1], e.modes[2], e.mode_worktree,
                e.oids[0].encode(), e.oids[1].encode(), e.oids[2].encode(),
                fmt(e.path)))
        elif e.x in "RC" and e.orig_path is not None:
            lines.append(b"2 %s%s %s %06o %06o %06o %s %s %s%d %s%s%s" % (
                e.x.encode(), e.y.encode(), e.submodule.encode(),
                e.mode_head, e.mode_index, e.mode_worktree,
                e.oid_head.encode(), e.oid_index.encode(), e.x.encode(), e.score,
                fmt(e.path), sep, fmt(e.orig_path)))
        else:
            lines.append(b"1 %s%s %s %06o %06o %06o %s %s %s" % (
                e.x.encode(), e.y.encode(), e.submodule.encode(),
                e.mode_head, e.mode_index, e.mode_worktree,
                e.oid_head.encode(), e.oid_index.encode(), fmt(e.path)))
    for p in status.untracked:
        lines.append(b"? " + fmt(p))
    for p in status.ignored:
        lines.append(b"! " + fmt(p))
    return b"".join(line + eol for line in lines)
