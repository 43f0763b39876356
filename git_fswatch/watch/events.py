"""What each kernel event means: inotify events -> changed paths and actions.

Acts on one read's events in order: records the changed paths in the
journal, marks stat data stale, and sends the registry, the crawl, move
pairing and the settler to do what each event asks.  It answers nothing and
calls nobody back: what a read showed that is not a changed path (the sync
cookies, a lost queue, the repository going away) it notes in a ``Seen``
for the caller.

Traps handled here (DESIGN.md):
- a directory created is crawled (crawl.py), and recorded as ``dir/``
  (it and everything below it may have changed);
- a directory renamed within the tree is detached at MOVED_FROM and hung
  again at MOVED_TO, paired by cookie (moves.py, registry.attach); one
  moved out of the tree has its watches removed; an event from inside a
  directory moved away whose MOVED_TO is not read yet is recorded under
  the old path, and the directory listed again once it is back;
- IN_Q_OVERFLOW: noted, for the caller to reset the journal and crawl again;
- a sync cookie (a file created in the cookie directory) is noted only
  after every event before it was acted on: held moves are finished (no
  MOVED_TO is coming for them), and the suspect directories are checked
  (settle.py);
- nothing inside a ``.git`` directory, nor the git dir wherever it is, is
  reported; a ``.git`` entry below the top appearing, going or moving is
  reported as ``dir/.git`` (a nested repository changes how git lists
  ``dir``);
- the worktree, the git dir or the cookie directory deleted or moved away,
  or the worktree unmounted: noted as gone;
- a filesystem unmounted inside the tree: the directory is recorded, and
  what the mount covered is watched again (the kernel's IGNORED, then the
  check of the parent).

Consecutive events on one file (a checkout's delete, create, modify and
close-write of each file) are acted on once, with their masks together:
what an event on a file does (mark it and maybe its directory stale, record
its path) is the same done once or four times, and nothing else happens in
between.  A checkout of 50,000 files is 200,000 events; this makes it
50,000 calls of _event.
"""

import os

from git_fswatch.watch.inotify import (
    IN_ATTRIB, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED, IN_ISDIR,
    IN_MOVE_SELF, IN_MOVED_FROM, IN_MOVED_TO, IN_Q_OVERFLOW, IN_UNMOUNT, mask_names)
from git_fswatch.trace import enabled as trace_enabled, trace

__all__ = ["Seen", "EventReader"]

_NAMESPACE = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
_SELF_GONE = IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT
# Events never merged with the next one on the same name.
_ALONE = IN_ISDIR | IN_Q_OVERFLOW | _SELF_GONE


class Seen:
    """What a read showed besides changed paths."""
    __slots__ = ("cookies", "overflow", "gone")

    def __init__(self):
        self.cookies = []       # names (str) of the sync cookies, in order
        self.overflow = False   # IN_Q_OVERFLOW: events were lost
        self.gone = []          # why the repository is gone, if it is


class EventReader:
    def __init__(self, paths, git_dir_rel, gitdir_wd, cookie_wd,
                 journal, registry, crawler, moves, later, settler):
        """*paths*: (worktree, git dir, cookie directory), absolute bytes,
        for messages; *git_dir_rel*: the git dir relative to the worktree,
        None if it is elsewhere; *gitdir_wd*, *cookie_wd*: the watches of
        the git dir and the cookie directory."""
        self._worktree, self._git_dir, self._cookie_dir = paths
        self._git_dir_rel = git_dir_rel
        self._gitdir_wd = gitdir_wd
        self._cookie_wd = cookie_wd
        self._journal = journal
        self._registry = registry
        self._crawler = crawler
        self._moves = moves
        self._later = later
        self._settler = settler

    def act(self, events, seen):
        """Act on one read's *events*, in order; note in *seen* what is not
        a changed path.  Raises WatchLimit."""
        special = (self._cookie_wd, self._gitdir_wd)
        held = None             # a file's event not acted on yet ...
        held_mask = 0           # ... and the masks of its run
        for ev in events:
            mask = ev.mask
            if held is not None:
                if not mask & _ALONE and ev.name == held.name and ev.wd == held.wd:
                    held_mask |= mask
                    continue
                self._event(held, held_mask, seen)
                held = None
            if mask & IN_Q_OVERFLOW:
                seen.overflow = True
            elif not mask & _ALONE and ev.name and ev.wd not in special:
                held, held_mask = ev, mask
            else:
                self._event(ev, mask, seen)
        if held is not None:
            self._event(held, held_mask, seen)
        # A MOVED_FROM still unpaired after a whole further read: moved out.
        for node in self._moves.end_of_read():
            self._moved_out(node)
        self._settler.settle()

    def _event(self, ev, mask, seen):
        wd, name = ev.wd, ev.name
        if trace_enabled():
            trace("event wd=%d %s %r", wd, mask_names(mask), name)
        if wd == self._cookie_wd:
            if mask & (IN_CREATE | IN_MOVED_TO) and name:
                self._at_cookie()
                seen.cookies.append(os.fsdecode(name))
            elif mask & _SELF_GONE:
                seen.gone.append("the cookie directory '%s' was removed or moved"
                                 % os.fsdecode(self._cookie_dir))
            return
        if wd == self._gitdir_wd:
            if mask & _SELF_GONE:
                seen.gone.append("the git dir '%s' was removed or moved"
                                 % os.fsdecode(self._git_dir))
            return
        registry = self._registry
        node = registry.node_of(wd)
        if node is None:
            return
        if mask & IN_IGNORED:
            self._ignored(node, seen)
            return
        if not name:
            if mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT):
                if node is registry.root:
                    seen.gone.append("the worktree '%s' was removed or moved"
                                     % os.fsdecode(self._worktree))
                elif mask & IN_UNMOUNT:
                    self._journal.record(node.rel + b"/")
            return
        record = self._journal.record
        rel = node.child_rel(name)
        if name == b".git" or rel == self._git_dir_rel:
            if name == b".git" and node is not registry.root and registry.in_tree(node):
                # A nested repository appears or goes: nothing inside it is
                # ours, but git now lists its directory differently
                # ("sub/" instead of its files), so the entry itself counts.
                record(rel)
                if node.parent is not None:
                    node.parent.mark(node.name)     # its mtime changed
            return
        if not registry.in_tree(node):
            # Inside a directory moved away whose MOVED_TO we have not seen:
            # report it under the old path, read it again if it comes back.
            record(rel + b"/" if mask & IN_ISDIR else rel)
            self._later.relist(node)
            return
        node.mark(name)
        if mask & _NAMESPACE and node.parent is not None:
            node.parent.mark(node.name)     # its mtime changed
        if not mask & IN_ISDIR:
            record(rel)
            return
        record(rel + b"/")
        self._directory_event(node, name, mask, ev.cookie)

    def _directory_event(self, node, name, mask, cookie):
        """An event on node/name, a directory, in the tree."""
        registry = self._registry
        if mask & _NAMESPACE:
            # Our picture of its subdirectories may be ahead of the events
            # (a watch or listing found what later events are still to
            # tell) or behind them: check it at the next sync cookie.
            self._later.suspect(node)
        if mask & (IN_DELETE | IN_MOVED_FROM):
            registry.watchable(node, name)
        if mask & IN_CREATE:
            self._crawler.add_tree(node, name)
        elif mask & IN_DELETE:
            registry.remove(node, name)
        elif mask & IN_MOVED_FROM:
            child = node.subdirs.get(name)
            if child is not None:
                registry.detach(child)
                self._moves.hold(cookie, child)
        elif mask & IN_MOVED_TO:
            child = self._moves.take(cookie)
            if child is not None:
                registry.attach(child, node, name)
            else:
                # Moved in from outside the worktree: read all of it.
                self._crawler.add_tree(node, name)
        elif mask & IN_ATTRIB and name not in node.subdirs:
            # Maybe it became readable: try to watch it.
            self._crawler.add_tree(node, name)

    def _at_cookie(self):
        """Everything before the cookie is read: no MOVED_TO is coming for
        a MOVED_FROM we still hold, and the suspects can be checked."""
        self._later.at_cookie()
        for node in self._moves.finish():
            self._moved_out(node)
        self._settler.settle()

    def _moved_out(self, node):
        """A directory moved out of the tree: stop watching it."""
        trace("moved out of the worktree: %r", node.rel)
        self._registry.drop(node)

    def _ignored(self, node, seen):
        """The kernel dropped the watch (IN_IGNORED)."""
        if node is self._registry.root:
            seen.gone.append("the worktree '%s' was removed or unmounted"
                             % os.fsdecode(self._worktree))
            return
        parent = self._registry.forget(node)
        if parent is not None:
            # Still in the tree: deleted (rmdir queues the directory's
            # IGNORED before its parent's DELETE), or a filesystem mounted
            # there went away, and what it covered is a directory of ours
            # again.  Which, the listing of the parent at the end of this
            # read tells (without lstat: only subdirectories matter).
            self._journal.record(node.rel + b"/")
            parent.mark(node.name)
            self._later.check(parent)
