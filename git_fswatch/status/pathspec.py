"""Pathspecs the engine answers exactly: literal paths.

git status limits every part of its answer by the pathspecs: the staged and
unstaged changes to paths equal to or below one of them, and the untracked
and ignored paths to what a walk that starts at the pathspecs' common leading
directory finds.  The engine computes the whole tree (so that the status
cache serves any pathspec) and then keeps what the pathspecs select, which is
git's answer as long as every directory leading to a pathspec is a tracked
directory: git's walk then passes the same directories as the full scan.  A
pathspec inside an untracked, ignored or nested-repository directory, or
below a tracked file that has become a directory, shows what git's walk finds
there (an untracked dir/ seen from inside is listed, not collapsed): the
engine declines those.

Anything else (glob characters, magic such as ":(exclude)", a path outside
the worktree, GIT_*_PATHSPECS settings) raises Decline.
"""

import posixpath

from git_fswatch.decline import Decline

_GLOB = set("*?[\\")


def resolve(pathspecs, prefix, env):
    """Worktree-relative bytes paths for *pathspecs* given in directory
    *prefix* ("" or "sub/dir/"), or None when they select everything.
    *env*: the environment of the command (GIT_*_PATHSPECS)."""
    literal = env.get("GIT_LITERAL_PATHSPECS", "0") not in ("", "0")
    for var in ("GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS"):
        if env.get(var, "0") not in ("", "0"):
            raise Decline("pathspec", "%s is set" % var)
    out = []
    for ps in pathspecs:
        if not ps:
            raise Decline("pathspec", "an empty pathspec")
        if not literal:
            if ps.startswith(":"):
                raise Decline("pathspec", "pathspec magic in '%s'" % ps)
            if _GLOB & set(ps):
                raise Decline("pathspec", "a glob pathspec '%s'" % ps)
        path = posixpath.normpath(posixpath.join(prefix, ps))
        if path == ".":
            path = ""            # the whole worktree
        elif path == ".." or path.startswith("../") or path.startswith("/"):
            raise Decline("pathspec", "a pathspec outside the worktree: '%s'" % ps)
        out.append(path.encode("utf-8", "surrogateescape"))
    if not out or out == [b""] * len(out):
        return None
    # (with other pathspecs beside it, "." still matters: git's walk goes into
    # the directories leading to the others, see check_leading)
    return out


def selects(paths, path):
    """Does one of *paths* select *path* (equal, or a leading directory)?"""
    for p in paths:
        if not p or path == p or path.startswith(p + b"/"):
            return True
    return False


def check_leading(paths, is_tracked_dir):
    """Decline unless every directory above each path is tracked."""
    for p in paths:
        d = p.rpartition(b"/")[0]
        while d:
            if not is_tracked_dir(d):
                raise Decline("pathspec", "a pathspec below the untracked directory"
                              " '%s'" % d.decode("utf-8", "replace"))
            d = d.rpartition(b"/")[0]


def filter_listed(paths, listed):
    """Untracked or ignored entries ("dir/" for a collapsed directory) that
    *paths* select; Decline when a pathspec lies inside a collapsed one."""
    out = []
    for entry in listed:
        bare = entry.rstrip(b"/")
        if selects(paths, bare):
            out.append(entry)
        elif entry.endswith(b"/"):
            for p in paths:
                if p and p.startswith(bare + b"/"):
                    raise Decline("pathspec", "a pathspec inside the untracked or"
                                  " ignored directory '%s'"
                                  % entry.decode("utf-8", "replace"))
    return out
