"""The stat cache: the lstat() data that ``listdir`` and ``fetchall`` answer.

The crawl keeps no stat data (crawl.py says why).  A directory's stat data is
read the first time ``listdir`` or ``fetchall`` asks for it (lstat of each
entry, after its watch exists, through the watched fd) and kept, packed
(statdata.py); an event on an entry marks it stale (Node.mark), and it is
read again when next asked for.  Events alone say what changed: from the
moment a directory's watch exists, the kernel reports every change to its
entries on that watch (inotify(7): create, delete, move, write, attribute
change of a child), so nothing that happens to a file escapes a mark.  What
inotify cannot see (a file changed through a hard link in another
directory, a write through a shared mapping) would make any stat cache
stale as well.

A directory whose stat data cannot be read where we expect it (it is moving
right now, or made unreadable since the crawl) is answered from what stands
at its path, held nowhere; if that cannot be listed either, the answer is
"unknown" (None), never "empty".
"""

import errno
import os

from git_fswatch.watch.inotify import WatchLimit
from git_fswatch.watch.statdata import DirStat, packed, unpacked

__all__ = ["StatCache"]


class StatCache:
    def __init__(self, registry, crawler):
        self._registry = registry
        self._crawler = crawler

    def listdir(self, rel):
        """[(name, StatInfo)] of directory *rel*, sorted; None if not watched
        or it cannot be read."""
        node = self._registry.find(rel)
        if node is None:
            return None
        entries = self._entries_of(node)
        if entries is None:
            return None
        return [(name, unpacked(data)) for name, data in entries]

    def fetchall(self):
        """(path, StatInfo) of every entry below the top.

        Directory by directory, depth first; within one directory by name.
        A directory that cannot be read gives its own entry, none below.
        """
        root = self._registry.root
        stack = [root] if root is not None else []
        while stack:
            node = stack.pop()
            below = []
            for name, data in self._entries_of(node) or ():
                info = unpacked(data)
                yield node.child_rel(name), info
                child = node.subdirs.get(name)
                if child is not None and info.kind == "d":
                    below.append(child)
            stack.extend(reversed(below))

    def _entries_of(self, node):
        """[(name, packed)] of *node*, sorted by name, current; None if
        it cannot be read."""
        if self._refresh(node):
            return node.stat.items()
        return self._uncached(node)

    def _refresh(self, node):
        """Make the stat data we hold of *node*'s entries current, reading
        it if we never did; False if the directory cannot be read at the
        path we know (it is moving right now: events will tell)."""
        stat = node.stat
        if stat is None:
            return self._load(node)
        if not stat.dirty:
            return True
        entries = stat.entries()
        base = self._crawler.path(node.rel)
        for name in stat.dirty:
            try:
                entries[name] = packed(os.lstat(base + b"/" + name))
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.ENOTDIR):
                    return False    # cannot look (no permission): no guess
                entries.pop(name, None)
        node.stat = DirStat(entries)
        node.count = len(entries)
        return True

    def _load(self, node):
        """Read the stat data of *node*'s entries for the first time.

        Its watch was added before; the directory found at its path must
        be the one that watch is on, else we would keep the stat data of
        another directory, which no event would ever correct.
        """
        try:
            fd = self._crawler.reopen(node)
        except WatchLimit:
            return False
        if fd is None:
            return False
        try:
            return self._crawler.list(node, fd, with_stat=True) is not None
        finally:
            os.close(fd)

    def _uncached(self, node):
        """[(name, packed)] of what stands at *node*'s path now, held nowhere:
        for a directory whose stat data we could not load; None if it
        cannot be listed (made unreadable since the crawl, or gone): we
        do not know what it holds, which is not that it holds nothing."""
        base = self._crawler.path(node.rel)
        try:
            names = os.listdir(base)
        except OSError:
            return None
        entries = {}
        for name in names:
            if self._crawler.is_git(node, name):
                continue
            try:
                entries[name] = packed(os.lstat(base + b"/" + name))
            except OSError:
                pass
        return sorted(entries.items())
