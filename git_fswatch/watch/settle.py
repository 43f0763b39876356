"""Relisting after races: directories listed again once events settle.

An event is read after the fact: by then a directory named in it may have
moved on (a later event, maybe not yet read, moves a directory above it),
and a watch or a listing may have found what later events are still to
tell.  Traps handled here:

- a directory that could not be opened, watched or listed at its path (it
  was moving) is listed again once it is back in the tree under its new
  path, and whatever differs from what we knew is recorded; one still
  moved away waits (``Later.relist``);
- two directories swapped (renameat2 RENAME_EXCHANGE: MOVED_FROM a,
  MOVED_TO b, MOVED_FROM b, MOVED_TO a, the first MOVED_TO landing on a
  name that holds a live directory), or a watch added after an IGNORED or
  a CREATE that finds what later events still tell: a directory that had
  a directory created, deleted or moved in it is a suspect
  (``Later.suspect``); at the next sync cookie, when every event before it
  has been read, it is listed again without lstat (``Later.at_cookie``),
  and each subdirectory's path is checked to lead to the directory its
  watch is on.

A directory whose stat data we never read has nothing to compare when it
is listed again; it then records its subdirectories that came or went, and
events on its own watch, held all along, cover its files.
"""

import os

from git_fswatch.watch.statdata import is_dir

__all__ = ["Later", "Settler"]


class Later:
    """The directories to list again (see Settler.settle)."""

    def __init__(self):
        self.clear()

    def relist(self, node):
        """List *node* again, with lstat if we hold its stat data."""
        self._relist.add(node)

    def suspect(self, node):
        """A directory was created, deleted or moved in *node*: check its
        subdirectories at the next sync cookie."""
        self._suspects.add(node)

    def check(self, node):
        """Check *node*'s subdirectories when events settle (no lstat)."""
        self._check.add(node)

    def at_cookie(self):
        """Every event before a sync cookie is read: the suspects are
        checked now."""
        self._check |= self._suspects
        self._suspects = set()

    def queued(self, node):
        """Is *node* to be listed again (not only checked)?"""
        return node in self._relist

    def take(self):
        """(to relist, to check) as they stand, both emptied."""
        relist, check = self._relist, self._check
        self._relist, self._check = set(), set()
        return relist, check

    def clear(self):
        self._relist = set()
        self._suspects = set()
        self._check = set()


class Settler:
    def __init__(self, journal, registry, crawler, later):
        self._journal = journal
        self._registry = registry
        self._crawler = crawler
        self.later = later          # what to list again, shared with the crawl

    def settle(self):
        """List again the directories where a watch or a listing failed,
        and check those that the events made suspect.

        A listing may send us to list another directory (one of its
        subdirectories was known elsewhere: the crawl then lists again
        where it was): go on while there is work we can do now, a few
        rounds at most.
        Directories only checked are listed without lstat: their files'
        events have all been read, only which directory stands at each
        subdirectory's name is in question.
        """
        later = self.later
        for _ in range(8):
            todo, check = later.take()
            listed = False
            for node in todo | check:
                if not self._registry.holds(node):
                    continue                    # dropped meanwhile
                if not self._registry.in_tree(node):
                    later.relist(node)          # still waiting for its MOVED_TO
                    continue
                self.relist(node, with_stat=node in todo)
                # (one that cannot be listed now waits for a later read)
                listed = listed or not later.queued(node)
            if not listed:
                break

    def relist(self, node, with_stat=True):
        """List *node* again and record what differs from what we knew
        (queued for later if it cannot be listed now)."""
        fd = self._crawler.reopen(node)
        if fd is None:
            self.later.relist(node)         # moved on again: events will tell
            return
        try:
            known = node.stat is not None and with_stat
            old = node.stat.entries() if known else None
            old_dirs = set(node.subdirs).union(node.unwatched or ())
            subdirs = self._crawler.list(node, fd, with_stat=known)
        finally:
            os.close(fd)
        if subdirs is None:
            return
        record = self._journal.record
        if known:
            new = node.stat.entries()
            for name in old.keys() | new.keys():
                before, after = old.get(name), new.get(name)
                if before != after:
                    isdir = ((before is not None and is_dir(before))
                             or (after is not None and is_dir(after)))
                    record(node.child_rel(name) + (b"/" if isdir else b""))
        else:
            # Nothing to compare its files with, and no need: its watch was
            # held all along, so each change to a file in it came as an
            # event, recorded under the path the directory had then; where
            # that path has changed since, the record of the move or of the
            # new watch ("dir/") came later and covers the file's new path.
            # Its subdirectories are another matter: one we could not watch
            # or list may have come or gone.
            for name in old_dirs.difference(subdirs):
                record(node.child_rel(name) + b"/")
        for name in subdirs:
            child = node.subdirs.get(name)
            if child is not None and not self._still_at(child):
                # Another directory stands there than the one we think
                # (our picture got ahead of the events, e.g. around an
                # exchange): stop watching ours; if it lives on elsewhere,
                # the listing of where it went watches it again.
                self._registry.remove(node, name)
            if name not in node.subdirs:
                record(node.child_rel(name) + b"/")
                self._crawler.add_tree(node, name)

    def _still_at(self, node):
        """Is the directory at *node*'s path the one its watch is on?
        (True when the path cannot be opened: events will tell.)"""
        return self._crawler.watch_at(node.rel) in (None, node.wd)
