"""The watch tree: inotify watches on every directory of a worktree.

It keeps a tree of the watched directories (watch descriptor <-> path, kept
right when directories are created, deleted, renamed or moved in and out),
turns kernel events into changed paths in the journal, and keeps the lstat()
data of the entries of the directories that ``listdir`` and ``fetchall`` asked
about.  No sockets, no git commands: the daemon drives it with start(),
fileno() and process().

What it holds per file, and why no more: the crawl reads every directory
(it must, to watch the subdirectories) but keeps nothing of its files, not
even their names, and calls lstat() on none of them (at a million files that
was most of the crawl's time and of the helper's memory).  Events alone say
what changed: a directory's watch exists before the directory is listed, and
from then on the kernel reports every change to its entries on that watch
(inotify(7): create, delete, move, write, attribute change of a child), so
nothing that happens to a file escapes a path record.  What the watch tree
cannot see (a file changed through a hard link in another directory, a write
through a shared mapping) is unseen by any inotify watcher and would make a
stat cache stale as well.

The stat data is read the first time ``listdir`` or ``fetchall`` asks for a
directory (lstat of each entry, after its watch exists) and kept, packed in
two bytes blobs per directory (the names, and 36 bytes of stat data each);
an event on an entry marks it to be read again.  A directory whose listing
we never asked for has nothing to compare when it must be listed again
after a race (see _settle); it then records its subdirectories that came or
went, and events on its own watch, held all along, cover its files.

Paths are bytes relative to the worktree top; a directory is recorded as
``b"dir/"``, meaning that it and everything below it may have changed.

The traps it handles (DESIGN.md):
- a new directory is watched first and listed second, recursively, so that
  nothing created inside it before its watch existed is missed (it is
  recorded as ``dir/``);
- a renamed directory keeps its watches (they follow the inode), so the whole
  subtree is re-labelled with its new path; MOVED_FROM waits for its MOVED_TO
  (paired by cookie) until the next non-empty read or the next sync cookie,
  then counts as "moved out of the tree" and its watches are removed;
- two directories swapped (renameat2 RENAME_EXCHANGE), or events that
  describe a past our picture has already overtaken (a watch added after
  an IGNORED or a CREATE finds what later events still tell): a directory
  that had a directory created, deleted or moved in it is listed again at
  the next sync cookie, and each subdirectory's path is checked to lead to
  the directory its watch is on;
- IN_Q_OVERFLOW resets the journal and crawls again;
- symlinks are never followed (lstat, IN_DONT_FOLLOW, IN_ONLYDIR);
- a filesystem whose changes inotify does not see (NFS, FUSE, overlay ...)
  mounted below the top is not watched but named in every answer;
- nothing inside a ``.git`` directory, nor the git dir wherever it is, is
  watched or reported, except the cookie directory, whose new files'
  names process() returns; a ``.git`` entry below the top appearing, going or
  moving is reported as ``dir/.git`` (a nested repository changes how git
  lists ``dir``);
- the worktree or the git dir deleted or moved away sets ``gone``.
"""

import os
import time

from git_fswatch.watch import inotify
from git_fswatch.watch.inotify import (
    COOKIE_MASK, SELF_MASK,
    IN_ATTRIB, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED, IN_ISDIR,
    IN_MOVE_SELF, IN_MOVED_FROM, IN_MOVED_TO, IN_Q_OVERFLOW, IN_UNMOUNT,
    NoEvents, WatchLimit)
from git_fswatch.watch.crawl import Crawler
from git_fswatch.watch.moves import Moves
from git_fswatch.watch.registry import Registry
from git_fswatch.watch.settle import Later, Settler
from git_fswatch.watch.statcache import StatCache
from git_fswatch.watch.statdata import StatInfo, statinfo
from git_fswatch.trace import enabled as trace_enabled, trace

__all__ = ["StatInfo", "statinfo", "WatchTree", "WatchLimit", "NoEvents"]

_NAMESPACE = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
_SELF_GONE = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT
# Events never merged with the next one on the same name (see process()).
_ALONE = IN_ISDIR | IN_Q_OVERFLOW | _SELF_GONE


class WatchTree:
    def __init__(self, worktree, git_dir, cookie_dir, journal, inotify=None):
        self.worktree = os.fsencode(os.path.abspath(worktree))
        self.git_dir = os.fsencode(os.path.abspath(git_dir))
        self.cookie_dir = os.fsencode(os.path.abspath(cookie_dir))
        prefix = self.worktree.rstrip(b"/") + b"/"
        self._git_dir_rel = (self.git_dir[len(prefix):]
                             if self.git_dir.startswith(prefix) else None)
        self.journal = journal
        self._cookies = []          # the names process() returns
        self._ino = inotify
        # The pieces that need the inotify instance, made by start().
        self.registry = self.crawler = self.settler = self.cache = None
        self._moves = Moves()
        self._later = Later()
        self._cookie_wd = None
        self._gitdir_wd = None
        self.gone = None
        self._events = 0
        self._overflows = 0
        self._crawls = 0
        self._crawl_seconds = 0.0

    # ---- the daemon's side -------------------------------------------------
    def fileno(self):
        if self._ino is None:
            raise ValueError("WatchTree.fileno() before start()")
        return self._ino.fileno()

    def start(self):
        """Watch and crawl everything; the journal is ready when this returns.

        Raises NoEvents (remote or overlay filesystem), WatchLimit (out of
        inotify watches or instances), or OSError.
        """
        inotify.check_filesystem(self.worktree)
        top_dev = os.stat(self.worktree).st_dev
        if not os.path.isdir(self.cookie_dir):
            os.makedirs(self.cookie_dir, 0o700, exist_ok=True)
        inotify.check_filesystem(self.cookie_dir)
        if self._ino is None:
            self._ino = inotify.Inotify()
        self._gitdir_wd = self._ino.add_watch(self.git_dir, SELF_MASK)
        self._cookie_wd = self._ino.add_watch(self.cookie_dir, COOKIE_MASK)
        self._identity = self._identify()
        self.registry = Registry(self._ino, self.journal)
        self.registry.reserve(self._gitdir_wd, self._cookie_wd)
        self.crawler = Crawler(self.worktree, top_dev, self._git_dir_rel, self._ino,
                               self.registry, self._moves, self._later)
        self.settler = Settler(self.journal, self.registry, self.crawler, self._later)
        self.cache = StatCache(self.registry, self.crawler)
        self._crawl_all()
        self.journal.mark_ready()

    def _identify(self):
        out = []
        for path in (self.worktree, self.git_dir):
            st = os.stat(path)
            out.append((st.st_dev, st.st_ino))
        return out

    def check(self):
        """Set (and return) ``gone`` if the worktree's or the git dir's path
        no longer leads to the directory we watch.

        Events say when the directories themselves are moved or deleted, but
        nothing tells us when a directory above them is renamed; a daemon
        calls this now and then (it costs two stat calls).
        """
        if self.gone is None:
            try:
                same = self._identify() == self._identity
            except OSError:
                same = False
            if not same:
                self._set_gone("'%s' or its git dir is no longer where it was"
                               % os.fsdecode(self.worktree))
        return self.gone

    def close(self):
        if self._ino is not None:
            self._ino.close()

    def process(self):
        """Read every pending event and act on it; return the names (str) of
        the sync cookies seen, in order, each once.

        It calls nobody back: the daemon answers the clients waiting for
        those cookies after this returns.  A name is in the list only if
        every event before its cookie was acted on, moves held included
        (see _event); after an overflow, the names of the cookies still in
        the cookie directory follow (see _overflow).

        Consecutive events on one file (a checkout's delete, create, modify
        and close-write of each file) are acted on once, with their masks
        together: what an event on a file does (mark it and maybe its
        directory stale, record its path) is the same done once or four
        times, and nothing else happens in between.  A checkout of 50,000
        files is 200,000 events; this makes it 50,000 calls of _event.
        """
        events = self._ino.read()
        if not events:
            return []
        self._events += len(events)
        self._cookies = cookies = []
        overflow = False
        special = (self._cookie_wd, self._gitdir_wd)
        held = None             # a file's event not acted on yet ...
        held_mask = 0           # ... and the masks of its run
        try:
            for ev in events:
                mask = ev.mask
                if held is not None:
                    if not mask & _ALONE and ev.name == held.name and ev.wd == held.wd:
                        held_mask |= mask
                        continue
                    self._event(held, held_mask)
                    held = None
                if mask & IN_Q_OVERFLOW:
                    overflow = True
                elif not mask & _ALONE and ev.name and ev.wd not in special:
                    held, held_mask = ev, mask
                else:
                    self._event(ev, mask)
            if held is not None:
                self._event(held, held_mask)
            # A MOVED_FROM still unpaired after a whole further read: moved out.
            for node in self._moves.end_of_read():
                self._moved_out(node)
            self.settler.settle()
        except WatchLimit as e:
            # Continuity is lost: no token can be answered exactly any more.
            self._fail("watch-limit", str(e))
            return cookies
        if overflow:
            self._overflow()
        return cookies

    # ---- events -------------------------------------------------------------
    def _event(self, ev, mask):
        wd, name = ev.wd, ev.name
        if trace_enabled():
            trace("event wd=%d %s %r", wd, inotify.mask_names(mask), name)
        if wd == self._cookie_wd:
            if mask & (IN_CREATE | IN_MOVED_TO) and name:
                # Everything before the cookie is read: no MOVED_TO is coming
                # for a MOVED_FROM we still hold.
                self._finish_pending()
                self.settler.settle()
                self._cookies.append(os.fsdecode(name))
            elif mask & _SELF_GONE:
                self._set_gone("the cookie directory '%s' was removed or moved"
                               % os.fsdecode(self.cookie_dir))
            return
        if wd == self._gitdir_wd:
            if mask & _SELF_GONE:
                self._set_gone("the git dir '%s' was removed or moved"
                               % os.fsdecode(self.git_dir))
            return
        registry = self.registry
        node = registry.node_of(wd)
        if node is None:
            return
        if mask & IN_IGNORED:
            self._forget(node)
            return
        if not name:
            if mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT):
                if node is registry.root:
                    self._set_gone("the worktree '%s' was removed or moved"
                                   % os.fsdecode(self.worktree))
                elif mask & IN_UNMOUNT:
                    self.journal.record(node.rel + b"/")
            return
        rel = node.child_rel(name)
        if name == b".git" or rel == self._git_dir_rel:
            if name == b".git" and node is not registry.root and registry.in_tree(node):
                # A nested repository appears or goes: nothing inside it is
                # ours, but git now lists its directory differently
                # ("sub/" instead of its files), so the entry itself counts.
                self.journal.record(rel)
                if node.parent is not None:
                    node.parent.mark(node.name)     # its mtime changed
            return
        if not registry.in_tree(node):
            # Inside a directory moved away whose MOVED_TO we have not seen:
            # report it under the old path, read it again if it comes back.
            self.journal.record(rel + b"/" if mask & IN_ISDIR else rel)
            self._later.relist(node)
            return
        node.mark(name)
        if mask & _NAMESPACE and node.parent is not None:
            node.parent.mark(node.name)     # its mtime changed
        if not mask & IN_ISDIR:
            self.journal.record(rel)
            return
        self.journal.record(rel + b"/")
        if mask & _NAMESPACE:
            # Our picture of its subdirectories may be ahead of the events
            # (a watch or listing found what later events are still to
            # tell) or behind them: check it at the next sync cookie.
            self._later.suspect(node)
        if mask & (IN_DELETE | IN_MOVED_FROM):
            registry.watchable(node, name)
        if mask & IN_CREATE:
            self.crawler.add_tree(node, name)
        elif mask & IN_DELETE:
            registry.remove(node, name)
        elif mask & IN_MOVED_FROM:
            child = node.subdirs.get(name)
            if child is not None:
                registry.detach(child)
                self._moves.hold(ev.cookie, child)
        elif mask & IN_MOVED_TO:
            child = self._moves.take(ev.cookie)
            if child is not None:
                registry.attach(child, node, name)
            else:
                # Moved in from outside the worktree: read all of it.
                self.crawler.add_tree(node, name)
        elif mask & IN_ATTRIB and name not in node.subdirs:
            # Maybe it became readable: try to watch it.
            self.crawler.add_tree(node, name)

    def _finish_pending(self):
        self._later.at_cookie()
        for node in self._moves.finish():
            self._moved_out(node)

    def _moved_out(self, node):
        """A directory moved out of the tree: stop watching it."""
        trace("moved out of the worktree: %r", node.rel)
        self.registry.drop(node)

    def _overflow(self):
        self._overflows += 1
        trace("IN_Q_OVERFLOW: events were lost; resetting and crawling again")
        self.journal.reset("overflow")
        try:
            self._crawl_all()
        except WatchLimit as e:
            self._fail("watch-limit", str(e))
            return
        except OSError as e:
            self._fail("error", "cannot crawl '%s' again after an overflow: %s"
                       % (os.fsdecode(self.worktree), e.strerror or e))
            return
        self.journal.mark_ready()
        # Cookies created while the queue was full were lost with the other
        # events; those still in the directory were created before now, and
        # the crawl is the new truth: hand them over rather than let the
        # waiting clients time out (once: those seen before the overflow in
        # this read are still there too, their clients not answered yet).
        try:
            names = sorted(os.listdir(self.cookie_dir))
        except OSError:
            names = []
        seen = set(self._cookies)
        self._cookies.extend(n for n in map(os.fsdecode, names) if n not in seen)

    def _fail(self, reason, message):
        self.journal.reset(reason)
        self._set_gone(message)

    def _set_gone(self, why):
        if self.gone is None:
            trace("gone: %s", why)
            self.gone = why

    # ---- the tree --------------------------------------------------------------
    def _crawl_all(self):
        t0 = time.monotonic()
        self._moves.clear()
        self._later.clear()
        watched = self.crawler.crawl_all()
        self._crawls += 1
        self._crawl_seconds = time.monotonic() - t0
        trace("crawled %d directories in %.3f s", watched, self._crawl_seconds)

    def _forget(self, node):
        """The kernel dropped the watch (IN_IGNORED)."""
        if node is self.registry.root:
            self._set_gone("the worktree '%s' was removed or unmounted"
                           % os.fsdecode(self.worktree))
            return
        parent = self.registry.forget(node)
        if parent is not None:
            # Still in the tree: deleted (rmdir queues the directory's
            # IGNORED before its parent's DELETE), or a filesystem mounted
            # there went away, and what it covered is a directory of ours
            # again.  Which, the listing of the parent at the end of this
            # read tells (without lstat: only subdirectories matter).
            self.journal.record(node.rel + b"/")
            parent.mark(node.name)
            self._later.check(parent)

    # ---- questions -------------------------------------------------------------
    def _find(self, rel):
        return self.registry.find(rel) if self.registry is not None else None

    def directories(self, rel):
        """Sorted names of the watched subdirectories of directory *rel*;
        None if *rel* is not a watched directory.

        What the entries of listdir(rel) of kind "d" that are themselves
        watched directories are, without reading any stat data: a walk of
        the tree in memory.
        """
        node = self._find(rel)
        if node is None:
            return None
        return sorted(node.subdirs)

    def unwatchable(self, rel):
        """Sorted names of the subdirectories of watched directory *rel*
        that cannot be watched (another filesystem without events, no
        permission ...): every answer names them, and only the disk knows
        what is below them."""
        node = self._find(rel)
        if node is None or not node.unwatched:
            return []
        return sorted(node.unwatched)

    def listdir(self, rel):
        """[(name, StatInfo)] of directory *rel*, sorted; None if not watched
        or it cannot be read."""
        return self.cache.listdir(rel) if self.cache is not None else None

    def fetchall(self):
        """(path, StatInfo) of every entry below the top: directory by
        directory, depth first; within one directory by name.  A directory
        that cannot be read gives its own entry, none below."""
        return self.cache.fetchall() if self.cache is not None else iter(())

    @property
    def stats(self):
        files = known = 0
        nodes = self.registry.nodes() if self.registry is not None else ()
        for node in nodes:
            files += node.count
            if node.stat is not None:
                known += 1
        return {
            "watched-directories": len(nodes),
            "watches": self._ino.watches if self._ino is not None else 0,
            "files-known": files,
            "stat-cached-directories": known,
            "events-seen": self._events,
            "overflows": self._overflows,
            "crawls": self._crawls,
            "last-crawl-ms": int(self._crawl_seconds * 1000),
            "unwatchable": sum(len(n.unwatched) for n in nodes if n.unwatched),
            "pending-moves": len(self._moves),
        }

