"""Where a worktree's helper state lives: ``<git-dir>/fswatch/``, ours alone.

Everything git-fswatch keeps for a worktree (the helper's socket and lock,
its cookie directory, the status cache) lives in its private directory.
A daemon and its directory belong to ONE worktree of one git dir:

- ``<git-dir>/fswatch`` for the worktree the git dir belongs to: the
  directory that holds it as ``.git``, or, for a linked worktree, the one
  its ``gitdir`` file names (``<git-dir>`` is per linked worktree);
- ``<git-dir>/fswatch/worktrees/<crc>`` for any other worktree of that git
  dir (``git --git-dir=... --work-tree=...``, core.worktree, a submodule's
  git dir in the superproject's modules/, the dotfiles pattern), <crc>
  being the CRC-32 of the worktree's path.  The daemon there checks each
  request's worktree, so two paths with one CRC are answered "everything",
  never each other's changes.

Each directory is made with mkdir(0700) and never chmod-ed afterwards: one
that exists with looser permissions, another owner, or as a symlink is
refused with a hint how to fix it, rather than trusted.

Imports os, stat and binascii only: the hook finds its socket through this.
"""

import binascii
import os
import stat

PRIVATE_DIR_NAME = "fswatch"
OTHER_WORKTREES = "worktrees"


class UnsafeDirectory(Exception):
    """The private directory exists but others could use it."""


def _owns(git_dir, worktree):
    """Is *worktree* the one *git_dir* belongs to (both bytes, physical)?"""
    if os.path.dirname(git_dir) == worktree and os.path.basename(git_dir) == b".git":
        return True
    try:
        with open(os.path.join(git_dir, b"gitdir"), "rb") as f:
            named = f.read(4096).rstrip(b"\n")
    except OSError:
        return False
    return named == os.path.join(worktree, b".git")


def private_path(git_dir, worktree):
    """The private directory of *worktree* of *git_dir* (str or bytes, as
    *git_dir*; physical paths), made or not."""
    as_str = not isinstance(git_dir, bytes)
    g, w = os.fsencode(git_dir), os.fsencode(worktree)
    path = os.path.join(g, PRIVATE_DIR_NAME.encode())
    if not _owns(g, w):
        path = os.path.join(path, OTHER_WORKTREES.encode(),
                            b"%08x" % (binascii.crc32(w) & 0xFFFFFFFF))
    return os.fsdecode(path) if as_str else path


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


def private_dir(git_dir, worktree, create=True):
    """Return private_path(), creating it (and ``fswatch/worktrees``) 0700
    if *create*; raises UnsafeDirectory (see check_stat) or OSError."""
    path = private_path(git_dir, worktree)
    name = PRIVATE_DIR_NAME.encode() if isinstance(git_dir, bytes) else PRIVATE_DIR_NAME
    top = os.path.join(git_dir, name)
    dirs = [top]
    if path != top:
        dirs += [os.path.dirname(path), path]
    for d in dirs:
        if create:
            try:
                os.mkdir(d, 0o700)
            except FileExistsError:
                pass
        check_private(d)
    return path
