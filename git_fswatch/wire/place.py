"""Where a worktree's helper state lives: ``<git-dir>/fswatch/``, ours alone.

Everything git-fswatch keeps for a worktree (the helper's socket and lock,
its cookie directory, the status cache) lives in the private directory
``<git-dir>/fswatch``.  ``<git-dir>`` is per worktree (`git rev-parse
--git-dir`), so linked worktrees each get their own.  The directory is
made with mkdir(0700) and never chmod-ed afterwards: one that exists with
looser permissions, another owner, or as a symlink is refused with a hint
how to fix it, rather than trusted.
"""

import os
import stat

PRIVATE_DIR_NAME = "fswatch"


class UnsafeDirectory(Exception):
    """The private directory exists but others could use it."""


def private_path(git_dir):
    """``<git_dir>/fswatch`` (str or bytes, as *git_dir*), made or not."""
    name = PRIVATE_DIR_NAME.encode() if isinstance(git_dir, bytes) else PRIVATE_DIR_NAME
    return os.path.join(git_dir, name)


def check_stat(st, path):
    """Raise UnsafeDirectory unless *st* (of *path*) is a directory of ours, 0700."""
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirectory(
            "'%s' is not a directory (a symlink or a file stands there);"
            " remove it" % os.fsdecode(path))
    if st.st_uid != os.getuid():
        raise UnsafeDirectory("'%s' belongs to uid %d, not to you"
                              % (os.fsdecode(path), st.st_uid))
    if st.st_mode & 0o077:
        raise UnsafeDirectory(
            "the permissions on '%s' are too loose: others can enter it;"
            " fix with: chmod 0700 '%s'" % (os.fsdecode(path), os.fsdecode(path)))


def check_private(path):
    """Raise UnsafeDirectory unless *path* is a real directory of ours, 0700."""
    check_stat(os.lstat(path), path)


def private_dir(git_dir, create=True):
    """Return ``<git_dir>/fswatch``, creating it 0700 if *create*; raises
    UnsafeDirectory (see check_stat) or OSError."""
    path = private_path(git_dir)
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    check_private(path)
    return path
