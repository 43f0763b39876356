"""The crawl: watch a directory first, then list it, and everything below.

Traps handled here (DESIGN.md):
- the new directory race (trap 1): a directory is opened, the open fd is
  watched, and only then is it listed, through that same fd.  Whatever is
  created in it after the watch exists comes as an event; whatever was
  created before is found by the listing; the directory watched and the
  directory listed are one and the same even if its path is renamed or
  replaced meanwhile.  Subdirectories found are crawled the same way;
- symlinks are never followed (trap 5): directories are opened with
  O_NOFOLLOW, watched with IN_ONLYDIR, listed with d_type or lstat();
- nothing inside a ``.git`` directory, nor the git dir wherever it is, is
  watched or listed (trap 6);
- a directory that cannot be watched (no permission, out of file
  descriptors, or another filesystem mounted there whose changes inotify
  does not see: NFS, FUSE, overlay ...) is not crawled but registered as
  unwatchable, and named in every answer (registry.py);
- a directory that cannot be opened or listed now (it moved on since the
  event that sent us there) is queued on ``later`` (settle.Later), to be
  listed again once events settle.

What it keeps, and why no more: the crawl must read every directory (to
watch the subdirectories) but keeps nothing of its files, not even their
names, and calls lstat() on none of them (at a million files that was most
of the crawl's time and of the helper's memory): d_type tells directories
apart.  Only a directory whose stat data the stat cache holds already is
listed with lstat() (statcache.py keeps it current from then on).
"""

import errno
import os

from git_fswatch.watch import inotify
from git_fswatch.watch.inotify import DIR_MASK
from git_fswatch.watch.statdata import IS_DIR, DirStat, pack
from git_fswatch.trace import trace

__all__ = ["Crawler"]

_O_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class Crawler:
    def __init__(self, worktree, top_dev, git_dir_rel, ino, registry, moves, later):
        """*worktree*: the top's absolute path (bytes), on device *top_dev*
        (a filesystem checked to deliver events); *git_dir_rel*: the git
        dir's path relative to it, or None if it is elsewhere."""
        self.worktree = worktree
        self._git_dir_rel = git_dir_rel
        self._ino = ino
        self._registry = registry
        self._moves = moves
        self._later = later
        self._devs = {top_dev: None}    # st_dev -> name of a filesystem without events

    # ---- paths -----------------------------------------------------------------
    def path(self, rel):
        """The absolute path (bytes) of *rel*."""
        return self.worktree + b"/" + rel if rel else self.worktree

    def is_git(self, node, name):
        """Is node/name a ``.git`` entry or the git dir: never ours."""
        return name == b".git" or (self._git_dir_rel is not None
                                   and node.child_rel(name) == self._git_dir_rel)

    def _open(self, rel):
        """An fd on the directory at *rel*, never through a symlink below
        the top."""
        return os.open(self.path(rel), _O_DIR | (os.O_NOFOLLOW if rel else 0))

    def _open_watched(self, rel):
        """(fd, wd) of the directory at *rel*, opened and watched (the
        caller closes fd); (None, None) if it cannot be opened or watched
        now.  Raises WatchLimit."""
        try:
            fd = self._open(rel)
        except OSError:
            return None, None
        try:
            wd = self._ino.add_watch_fd(fd, DIR_MASK)
        except OSError:
            os.close(fd)
            return None, None
        except BaseException:
            os.close(fd)
            raise
        return fd, wd

    def watch_at(self, rel):
        """The watch of the directory at *rel* (the wd we have if we watch
        it, else a new one); None if it cannot be opened or watched now."""
        fd, wd = self._open_watched(rel)
        if fd is not None:
            os.close(fd)
        return wd

    def reopen(self, node):
        """An fd on the directory at *node*'s path, if it is the one
        *node*'s watch is on (the caller closes it); None if the path leads
        elsewhere or nowhere now (it is moving: events will tell).
        Raises WatchLimit."""
        fd, wd = self._open_watched(node.rel)
        if fd is not None and wd != node.wd:
            # Another directory stands at that path now; ours moved on.
            os.close(fd)
            self._registry.release_stray(wd)
            return None
        return fd

    # ---- crawling ----------------------------------------------------------------
    def crawl_all(self):
        """Watch and list the whole tree afresh; return how many
        directories are watched."""
        fd = os.open(self.worktree, _O_DIR)
        try:
            wd = self._ino.add_watch_fd(fd, DIR_MASK)
            old = self._registry.restart(wd)
            subdirs = self.list(self._registry.root, fd)
        finally:
            os.close(fd)
        self._scan_below([(self._registry.root, subdirs or ())])
        self._registry.release_old(old)
        return len(self._registry)

    def add_tree(self, parent, name):
        """Watch parent/name (a directory) and everything below it."""
        node, subdirs = self._watch(parent, name)
        if node is not None:
            self._scan_below([(node, subdirs)])

    def _scan_below(self, stack):
        """Watch and list, depth first, the subdirectories of the listed
        (node, subdirectory names) in *stack*."""
        while stack:
            node, subdirs = stack.pop()
            for name in subdirs:
                child, below = self._watch(node, name)
                if child is not None:
                    stack.append((child, below))

    def _watch(self, parent, name):
        """Watch parent/name, then list it; return (node, subdirectory names).

        (None, ()) if it is not a directory we can watch.  The parent's
        stat data for it is read again later: whatever was done in it
        before this watch changed its mtime without an event.
        """
        rel = parent.child_rel(name)
        try:
            fd = self._open(rel)
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                # Gone or replaced, or a directory above it moved on since
                # the event: list the parent again once events settle.
                self._later.relist(parent)
            else:
                self._unwatchable(parent, name, e)
            return None, ()
        try:
            kind = self._without_events(fd)
            if kind:
                # Another filesystem mounted here, whose changes inotify
                # does not see: nobody can tell what changes in it.
                self._unwatchable(parent, name, "a %s filesystem" % kind)
                return None, ()
            try:
                wd = self._ino.add_watch_fd(fd, DIR_MASK)
            except OSError as e:
                self._unwatchable(parent, name, e)
                return None, ()
            node = self._adopt(parent, name, wd)
            if node is None:
                return None, ()
            return node, self.list(node, fd) or ()
        finally:
            os.close(fd)

    def _without_events(self, fd):
        """The name of the filesystem of the open directory *fd* if inotify
        does not see its changes (see inotify.check_filesystem), else None.
        One fstat a directory, one statfs a filesystem."""
        dev = os.fstat(fd).st_dev
        try:
            return self._devs[dev]
        except KeyError:
            pass
        try:
            kind = inotify.fs_type(b"/proc/self/fd/%d" % fd)[1]
        except OSError:
            kind = None
        self._devs[dev] = kind
        return kind

    def _unwatchable(self, parent, name, err):
        trace("cannot watch %r: %s", parent.child_rel(name), err)
        self._registry.unwatchable(parent, name)

    def _adopt(self, parent, name, wd):
        """The node for watch *wd*, found at parent/name; None if not ours."""
        registry = self._registry
        if registry.is_reserved(wd):
            return None         # reached through a path that moved on
        registry.watchable(parent, name)
        parent.mark(name)
        node = registry.node_of(wd)
        if node is None:
            return registry.add(parent, name, wd)
        if node.parent is not parent or node.name != name:
            # Known under another name: it moved here and we have not
            # read that event yet.
            if parent.is_below(node):
                # Our picture is too old to hang it there (a loop);
                # the events still to come will put it right.
                self._later.relist(parent)
                return None
            if node.parent is not None:
                # Where we thought it was, something else may stand now
                # (a directory renamed and another made in its place
                # before we read either event): list that place again.
                self._later.relist(node.parent)
            registry.detach(node)
            self._moves.discard(node)
            registry.attach(node, parent, name)
        return node

    def list(self, node, fd, with_stat=None):
        """Read the entries of the open directory *fd*, watched as *node*;
        return the names of its subdirectories (None if it cannot be read:
        it is then listed again later).

        With *with_stat* (by default: if we hold its stat data already),
        lstat() every entry and keep the result; else only count them.
        Subdirectories no longer there are dropped.
        """
        if with_stat is None:
            with_stat = node.stat is not None
        try:
            it = os.scandir(fd)
        except OSError as e:
            trace("cannot list %r: %s", node.rel, e)
            self._later.relist(node)
            return None
        git_dir_rel = self._git_dir_rel
        fsencode = os.fsencode
        entries = {}
        subdirs = []
        count = 0
        with it:
            for entry in it:
                if entry.name == ".git":
                    continue
                try:
                    if with_stat:
                        st = entry.stat(follow_symlinks=False)
                        isdir = st.st_mode & 0o170000 == IS_DIR
                    else:
                        # d_type: no lstat (scandir falls back to one where
                        # the filesystem does not fill it in)
                        isdir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue        # vanished: its event will say so
                name = None
                if isdir:
                    name = fsencode(entry.name)
                    if git_dir_rel is not None and node.child_rel(name) == git_dir_rel:
                        continue
                    subdirs.append(name)
                count += 1
                if with_stat:
                    entries[name or fsencode(entry.name)] = pack(
                        st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        node.count = count
        if with_stat:
            node.stat = DirStat(entries)
        present = set(subdirs)
        for name in list(node.subdirs):
            if name not in present:
                self._registry.remove(node, name)
        for name in list(node.unwatched or ()):
            if name not in present:
                self._registry.watchable(node, name)
        return subdirs
