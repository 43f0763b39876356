"""TEST ONLY: a Status read from the real `git status --porcelain=v2 -z`.

The formatters are proven by formatting what git itself computed and
comparing with what git prints in the other formats; the product never
imports this module.
"""

import subprocess

from git_fswatch.status.model import Branch, Change, Status, Unmerged


def git_status_v2(cwd, untracked="normal", ignored="no", extra=()):
    return subprocess.run(
        ["git", "status", "--porcelain=v2", "-z", "--branch", "--show-stash",
         "--untracked-files=" + untracked, "--ignored=" + ignored] + list(extra),
        cwd=cwd, check=True, stdout=subprocess.PIPE).stdout


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
