"""TEST ONLY: a Status read from the real `git status --porcelain=v2 -z`,
and a Status printed as porcelain v2 without the formatters.

The formatters are proven by formatting what git itself computed and
comparing with what git prints in the other formats; the engine is proven by
printing what it computed with porcelain_v2() below and comparing with git.
The product never imports this module.
"""

from git_fswatch.status.model import Branch, Change, Status, Unmerged
from testlib import git


def git_status_v2(cwd, untracked="normal", ignored="no", extra=()):
    return git("status", "--porcelain=v2", "-z", "--branch", "--show-stash",
               "--untracked-files=" + untracked, "--ignored=" + ignored, *extra, cwd=cwd)


def parse_v2(data):
    st = Status(branch=Branch())
    recs = data.split(b"\0")
    if recs and recs[-1] == b"":
        recs.pop()
    it = iter(recs)
    for rec in it:
        if rec.startswith(b"# "):
            key, _, value = rec[2:].partition(b" ")
            value = value.decode("utf-8", "surrogateescape")
            if key == b"branch.oid":
                st.branch.oid = None if value == "(initial)" else value
            elif key == b"branch.head":
                st.branch.head = None if value == "(detached)" else value
            elif key == b"branch.upstream":
                st.branch.upstream = value
                st.branch.upstream_gone = True   # until a branch.ab says otherwise
            elif key == b"branch.ab":
                a, b = value.split()
                st.branch.upstream_gone = False
                if a != "+?":
                    st.branch.ahead, st.branch.behind = int(a[1:]), int(b[1:])
            elif key == b"stash":
                st.stash_count = int(value)
        elif rec.startswith(b"1 "):
            f = rec.split(b" ", 8)
            st.changes.append(Change(
                path=f[8], x=chr(f[1][0]), y=chr(f[1][1]), submodule=f[2].decode(),
                mode_head=int(f[3], 8), mode_index=int(f[4], 8),
                mode_worktree=int(f[5], 8), oid_head=f[6].decode(),
                oid_index=f[7].decode()))
        elif rec.startswith(b"2 "):
            f = rec.split(b" ", 9)
            st.changes.append(Change(
                path=f[9], x=chr(f[1][0]), y=chr(f[1][1]), submodule=f[2].decode(),
                mode_head=int(f[3], 8), mode_index=int(f[4], 8),
                mode_worktree=int(f[5], 8), oid_head=f[6].decode(),
                oid_index=f[7].decode(), score=int(f[8][1:]),
                orig_path=next(it)))
        elif rec.startswith(b"u "):
            f = rec.split(b" ", 10)
            st.unmerged.append(Unmerged(
                path=f[10], xy=f[1].decode(), submodule=f[2].decode(),
                modes=tuple(int(m, 8) for m in f[3:6]), mode_worktree=int(f[6], 8),
                oids=tuple(o.decode() for o in f[7:10])))
        elif rec.startswith(b"? "):
            st.untracked.append(rec[2:])
        elif rec.startswith(b"! "):
            st.ignored.append(rec[2:])
        else:
            raise ValueError("unexpected porcelain v2 record %r" % rec)
    st.unmerged.sort(key=lambda u: u.path)
    return st


def status_from_git(cwd, untracked="normal", ignored="no", extra=()):
    return parse_v2(git_status_v2(cwd, untracked, ignored, extra))


def porcelain_v2(st):
    """Porcelain v2 -z, without headers: an oracle independent of format_*.py."""
    # porcelain v2 prints the changed entries, then the unmerged ones
    items = sorted((c.path, c) for c in st.changes) + \
        sorted((u.path, u) for u in st.unmerged)
    out = []
    for _, c in items:
        if hasattr(c, "xy"):
            out.append(b"u %s %s %06o %06o %06o %06o %s %s %s %s\0" % (
                c.xy.encode(), c.submodule.encode(), c.modes[0], c.modes[1],
                c.modes[2], c.mode_worktree, c.oids[0].encode(), c.oids[1].encode(),
                c.oids[2].encode(), c.path))
        elif c.x in "RC":
            out.append(b"2 %s%s %s %06o %06o %06o %s %s %s%d %s\0%s\0" % (
                c.x.encode(), c.y.encode(), c.submodule.encode(), c.mode_head,
                c.mode_index, c.mode_worktree, c.oid_head.encode(),
                c.oid_index.encode(), c.x.encode(), c.score, c.path, c.orig_path))
        else:
            out.append(b"1 %s%s %s %06o %06o %06o %s %s %s\0" % (
                c.x.encode(), c.y.encode(), c.submodule.encode(), c.mode_head,
                c.mode_index, c.mode_worktree, c.oid_head.encode(),
                c.oid_index.encode(), c.path))
    out += [b"? " + p + b"\0" for p in st.untracked]
    out += [b"! " + p + b"\0" for p in st.ignored]
    return b"".join(out)
