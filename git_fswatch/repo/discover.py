"""Where a worktree and its git dir are, and git-fswatch's private directory.

Everything git-fswatch keeps for a worktree (the helper's socket, its cookie
directory, the status cache) lives in ``<git-dir>/fswatch/``, a directory
created 0700 and refused when someone else could enter it.  ``<git-dir>`` is
per worktree (``git rev-parse --git-dir``), so linked worktrees each get their
own.
"""

import os
import stat
import subprocess
from collections import namedtuple

PRIVATE_DIR_NAME = "fswatch"

Repo = namedtuple("Repo", "worktree git_dir common_dir")


class NotARepository(Exception):
    """The directory is not inside a git worktree."""


class UnsafeDirectory(Exception):
    """The private directory exists but others could use it."""


def discover(path=None):
    """Return the Repo (absolute, physical paths) for the worktree at *path*.

    Raises NotARepository with git's own message when there is none (a bare
    repository, or no repository at all).
    """
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute",
             "--show-toplevel", "--git-dir", "--git-common-dir"],
            cwd=path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


def check_private(path):
    """Raise UnsafeDirectory unless *path* is a real directory of ours, 0700."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirectory(
            "'%s' is not a directory (a symlink or a file stands there);"
            " remove it" % path)
    if st.st_uid != os.getuid():
        raise UnsafeDirectory("'%s' belongs to uid %d, not to you" % (path, st.st_uid))
    if st.st_mode & 0o077:
        raise UnsafeDirectory(
            "the permissions on '%s' are too loose: others can enter it;"
            " fix with: chmod 0700 '%s'" % (path, path))


def private_dir(git_dir, create=True):
    """Return ``<git_dir>/fswatch``, creating it 0700 if *create*.

    The directory is made with mkdir(0700) and never chmod-ed afterwards: if
    it exists with looser permissions, or is a symlink, UnsafeDirectory says
    how to fix it rather than silently trusting it.
    """
    path = os.path.join(git_dir, PRIVATE_DIR_NAME)
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    check_private(path)
    return path
