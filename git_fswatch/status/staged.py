"""The staged side: HEAD against the index, as git status sees it.

It comes from `git diff-index --cached` with the rename options git status
uses, so that rename pairing and scores are git's own.  The command starts
at once and is read later (a Job, repo/git.py), so that it runs while the
worktree is scanned.
"""

import os

from git_fswatch.decline import Decline
from git_fswatch.status.model import Change
from git_fswatch.status.tree import S_IFGITLINK

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def start(git, head, req, rename_limit, paths=None):
    """The diff-index job for *req*: a Job to read with result() (parse it
    with parse_raw), or to close.  *paths*: literal pathspecs limiting it
    (renames are paired within them, as git status pairs them)."""
    args = ["diff-index", "--cached", "-z", "--raw", "--no-abbrev",
            "--ita-invisible-in-index", "--ignore-submodules=none"]
    if req.renames:
        flag = "-C" if req.copies else "-M"
        args.append("%s%d%%" % (flag, req.rename_score))
        if rename_limit is not None:
            args.append("-l%d" % rename_limit)
    else:
        args.append("--no-renames")
    args += [head or EMPTY_TREE, "--"]
    # Not through core.fsmonitor: diff-index --cached reads no worktree, and
    # in the helper's daemon the hook would wait on the daemon itself.
    params = git.env.get("GIT_CONFIG_PARAMETERS")
    extra = {"GIT_CONFIG_PARAMETERS": ((params + " ") if params else "")
             + "'core.fsmonitor'='false'"}
    if paths:
        args += [p.decode("utf-8", "surrogateescape") or "." for p in paths]
        extra["GIT_LITERAL_PATHSPECS"] = "1"
    return git.job(args, extra)


def result(job):
    """{path: Change} from a finished job."""
    proc = job.result()
    if proc.returncode != 0:
        raise Decline("git-failed", "git diff-index failed: %s"
                      % proc.stderr.decode("utf-8", "replace").strip())
    return parse_raw(proc.stdout)


def parse_raw(data):
    """`diff-index -z --raw` output as {path: Change}."""
    out = {}
    fields = data.split(b"\0")
    i = 0
    n = len(fields) - 1
    while i < n:
        meta = fields[i].decode("ascii")
        mh, mi, hh, hi, st = meta[1:].split(" ")
        letter = st[0]
        if letter in "RC":
            orig, path = fields[i + 1], fields[i + 2]
            i += 3
            score = int(st[1:])
        else:
            orig, path = None, fields[i + 1]
            i += 2
            score = 0
        if letter == "U":
            continue
        if letter not in "MTADRC":
            raise Decline("diff-status", "diff-index status %s" % st)
        mh, mi = int(mh, 8), int(mi, 8)
        if S_IFGITLINK in (mh, mi):
            raise Decline("submodule", os.fsdecode(path))
        out[path] = Change(path, letter, ".", mode_head=mh, mode_index=mi,
                           oid_head=hh, oid_index=hi, orig_path=orig, score=score)
    return out
