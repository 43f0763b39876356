"""The watch tree: inotify watches on every directory of a worktree.

The facade the daemon drives (start(), fileno(), process(), check(),
close()) and asks (directories(), unwatchable(), listdir(), fetchall(),
stats, gone).  It turns kernel events into changed paths in the journal,
and keeps the lstat() data of the directories that ``listdir`` and
``fetchall`` asked about.  No sockets, no git commands, and no callbacks:
process() returns the names of the sync cookies it read, each once every
event before it was acted on, and the daemon answers its clients after
process() has returned.

Paths are bytes relative to the worktree top; a directory is recorded as
``b"dir/"``, meaning that it and everything below it may have changed.

Each piece has one job, and each trap of DESIGN.md is handled (and told)
where that job is done:
- nodes.py: the record of one watched directory;
- registry.py: watch descriptors <-> nodes and the tree's shape; a renamed
  directory's subtree re-labelled (trap 2); the subdirectories that
  cannot be watched, named in every answer;
- crawl.py: watch first, list second, recursively (trap 1); symlinks never
  followed (trap 5); ``.git`` never watched (trap 6); filesystems without
  events mounted below the top;
- moves.py: a MOVED_FROM held by cookie until its MOVED_TO, the next read
  or the next sync cookie; then moved out of the tree (trap 2);
- settle.py: directories listed again after races, and exchanges
  (renameat2 RENAME_EXCHANGE) checked at the sync cookie;
- events.py: what each event means: the records, nested repositories, the
  sync cookie, the repository gone;
- statdata.py, statcache.py: the stat data that ``listdir`` and
  ``fetchall`` answer, read when first asked for, kept current by events;
- here: starting, IN_Q_OVERFLOW (trap 3: a new journal instance and a new
  crawl), the watch limit running out while running (trap 8: continuity
  lost), and the worktree or the git dir gone, including moved with a
  directory above them, which no event tells (trap 9, check()).
"""

import os
import time

from git_fswatch.watch import inotify
from git_fswatch.watch.inotify import COOKIE_MASK, SELF_MASK, NoEvents, WatchLimit
from git_fswatch.watch.crawl import Crawler
from git_fswatch.watch.events import EventReader, Seen
from git_fswatch.watch.moves import Moves
from git_fswatch.watch.registry import Registry
from git_fswatch.watch.settle import Later, Settler
from git_fswatch.watch.statcache import StatCache
from git_fswatch.watch.statdata import StatInfo, statinfo
from git_fswatch.trace import trace

__all__ = ["StatInfo", "statinfo", "WatchTree", "WatchLimit", "NoEvents"]


class WatchTree:
    def __init__(self, worktree, git_dir, cookie_dir, journal, inotify=None):
        self.worktree = os.fsencode(os.path.abspath(worktree))
        self.git_dir = os.fsencode(os.path.abspath(git_dir))
        self.cookie_dir = os.fsencode(os.path.abspath(cookie_dir))
        prefix = self.worktree.rstrip(b"/") + b"/"
        self._git_dir_rel = (self.git_dir[len(prefix):]
                             if self.git_dir.startswith(prefix) else None)
        self.journal = journal
        self._ino = inotify
        self._moves = Moves()
        self._later = Later()
        # The pieces that need the inotify instance, made by start().
        self.registry = self.crawler = self.settler = self.cache = None
        self._reader = None
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
        gitdir_wd = self._ino.add_watch(self.git_dir, SELF_MASK)
        cookie_wd = self._ino.add_watch(self.cookie_dir, COOKIE_MASK)
        self._identity = self._identify()
        self.registry = Registry(self._ino, self.journal)
        self.registry.reserve(gitdir_wd, cookie_wd)
        self.crawler = Crawler(self.worktree, top_dev, self._git_dir_rel, self._ino,
                               self.registry, self._moves, self._later)
        self.settler = Settler(self.journal, self.registry, self.crawler, self._later)
        self.cache = StatCache(self.registry, self.crawler)
        self._reader = EventReader((self.worktree, self.git_dir, self.cookie_dir),
                                   self._git_dir_rel, gitdir_wd, cookie_wd,
                                   self.journal, self.registry, self.crawler,
                                   self._moves, self._later, self.settler)
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
        (see events.py); after an overflow, the names of the cookies still
        in the cookie directory follow (see _overflow).
        """
        events = self._ino.read()
        if not events:
            return []
        self._events += len(events)
        seen = Seen()
        try:
            self._reader.act(events, seen)
        except WatchLimit as e:
            # Continuity is lost: no token can be answered exactly any more.
            self._gone(seen)
            self._fail("watch-limit", str(e))
            return seen.cookies
        self._gone(seen)
        if seen.overflow:
            self._overflow(seen.cookies)
        return seen.cookies

    def _gone(self, seen):
        for why in seen.gone:
            self._set_gone(why)

    def _overflow(self, cookies):
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
        seen = set(cookies)
        cookies.extend(n for n in map(os.fsdecode, names) if n not in seen)

    def _crawl_all(self):
        t0 = time.monotonic()
        self._moves.clear()
        self._later.clear()
        watched = self.crawler.crawl_all()
        self._crawls += 1
        self._crawl_seconds = time.monotonic() - t0
        trace("crawled %d directories in %.3f s", watched, self._crawl_seconds)

    def _fail(self, reason, message):
        self.journal.reset(reason)
        self._set_gone(message)

    def _set_gone(self, why):
        if self.gone is None:
            trace("gone: %s", why)
            self.gone = why

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
