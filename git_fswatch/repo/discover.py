"""Where a worktree and its git dir are.

Two ways, one answer:

- discover(git): ask git (`git rev-parse`), in the runner's directory and
  environment; right in every case git knows (GIT_DIR, core.worktree,
  linked worktrees, safe.directory ...), at the cost of a process.
- find(cwd): walk up from *cwd* to a ``.git`` directory or ``gitdir:`` file,
  as git does for a plain worktree, without running anything: for the hook
  and the warm client, which start for every command.  It answers None
  whenever the walk could disagree with git; the caller then asks git.

Imports os only: the hook imports this module.
"""

import os
from collections import namedtuple

Repo = namedtuple("Repo", "worktree git_dir common_dir")


class NotARepository(Exception):
    """The directory is not inside a git worktree (git's message)."""


def discover(git):
    """The Repo (absolute, physical paths) of the worktree git finds from
    the runner *git* (repo/git.py).  Raises NotARepository with git's own
    message when there is none (a bare repository, or no repository)."""
    try:
        proc = git.run(["rev-parse", "--path-format=absolute",
                        "--show-toplevel", "--git-dir", "--git-common-dir"])
    except OSError as e:
        raise NotARepository("cannot run git: %s" % e)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip()
        if msg.startswith("fatal: "):
            msg = msg[len("fatal: "):]
        raise NotARepository(msg or "not a git repository")
    lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NotARepository("this operation must be run in a work tree")
    worktree, git_dir, common_dir = (os.path.realpath(p) for p in lines[:3])
    return Repo(worktree, git_dir, common_dir)


def gitfile_target(path):
    """The directory a ``gitdir: <path>`` file at *path* (bytes) names, as
    written (relative to the file's directory if not absolute), or None.
    Like git's read_gitfile(), only line ends are stripped."""
    try:
        with open(path, "rb") as f:
            line = f.read(4096).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError:
        return None
    if not line.startswith(b"gitdir: "):
        return None
    return line[len(b"gitdir: "):]


def find(cwd):
    """(worktree, git dir) as bytes for *cwd* (bytes), found by walking up
    without running git; None when in doubt."""
    d = cwd
    while True:
        dotgit = d + b"/.git" if d != b"/" else b"/.git"
        try:
            isdir = os.path.isdir(dotgit)
            exists = isdir or os.path.lexists(dotgit)
        except OSError:
            return None
        if exists:
            if isdir:
                return d, dotgit
            target = gitfile_target(dotgit)
            if target is None:
                return None
            return d, os.path.join(d, target)
        if os.path.basename(d) == b".git":
            return None                       # inside a git dir: not a worktree
        if d == b"/":
            return None
        d = os.path.dirname(d)
