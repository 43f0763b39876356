"""The registry: watch descriptors <-> directory nodes, and the tree of nodes.

It answers "which directory is this watch on" for every event, and keeps the
tree's shape right as directories come, go and move: a node is hung under a
parent (``add``, ``attach``), unhung (``detach``), dropped with its subtree
(its watches removed), or forgotten when the kernel dropped its watch.

Trap it handles (DESIGN.md, trap 2): a renamed directory keeps its watches,
since they follow the inode, so ``attach`` re-labels the whole subtree with
its new path; nothing is watched again.

It also keeps the names of the subdirectories that cannot be watched
(``unwatchable``), and puts each in every answer of the journal
(``Journal.always``) under its current path: a subtree moved re-labels
them, a subtree dropped takes them out.

The watches of the git dir and of the cookie directory are ``reserved``:
never a node, never removed as a stray.
"""

from git_fswatch.watch.nodes import Node

__all__ = ["Registry"]


class Registry:
    def __init__(self, ino, journal):
        self._ino = ino
        self._journal = journal
        self._wds = {}              # wd -> Node, including detached ones held
        self._reserved = ()
        self.root = None
        # The node for a watch descriptor, or None (the dict's own get:
        # it is called once an event).
        self.node_of = self._wds.get

    # ---- what is watched ---------------------------------------------------
    def reserve(self, *wds):
        """Watches that are not directories of the tree (the git dir's, the
        cookie directory's)."""
        self._reserved = wds

    def is_reserved(self, wd):
        return wd in self._reserved

    def holds(self, node):
        """Is *node* registered (not dropped or forgotten)?"""
        return self._wds.get(node.wd) is node

    def in_tree(self, node):
        """Does *node* hang in the tree (not in a subtree moved away)?"""
        while node.parent is not None:
            node = node.parent
        return node is self.root

    def release_stray(self, wd):
        """Remove watch *wd*, added on a path that led to a directory that
        is not the one we looked for, unless it is one we use."""
        if wd not in self._wds and wd not in self._reserved:
            self._ino.rm_watch(wd)

    def nodes(self):
        return self._wds.values()

    def __len__(self):
        return len(self._wds)

    def find(self, rel):
        """The node of directory *rel* (b"" or b"." for the top); None."""
        rel = rel.strip(b"/")
        node = self.root
        if node is None:
            return None
        if rel in (b"", b"."):
            return node
        for part in rel.split(b"/"):
            node = node.subdirs.get(part)
            if node is None:
                return None
        return node

    # ---- the tree's shape ----------------------------------------------------
    def restart(self, wd):
        """Start a new tree whose top is watched as *wd*; return the watches
        of the old one (see release_old)."""
        old = set(self._wds)
        self._wds.clear()
        self.root = Node(b"", b"", None, wd)
        self._wds[wd] = self.root
        return old

    def release_old(self, old):
        """Remove the watches of *old* that the new tree does not use."""
        for wd in old.difference(self._wds):
            self._ino.rm_watch(wd)

    def add(self, parent, name, wd):
        """A new node for watch *wd* at parent/name (which replaces the
        directory that stood there, if any)."""
        node = Node(parent.child_rel(name), name, parent, wd)
        old = parent.subdirs.get(name)
        if old is not None:
            self.drop(old)      # a directory that was replaced
        parent.subdirs[name] = node
        self._wds[wd] = node
        return node

    def remove(self, parent, name):
        """parent/name is gone (or is not the directory we watched there):
        drop its subtree."""
        child = parent.subdirs.pop(name, None)
        if child is not None:
            self.drop(child)

    def detach(self, node):
        """Unhang *node* (moved away), keeping its subtree and its watches."""
        parent = node.parent
        if parent is not None and parent.subdirs.get(node.name) is node:
            del parent.subdirs[node.name]
        node.parent = None

    def attach(self, node, parent, name):
        """Hang a detached subtree at parent/name and relabel every path in it."""
        old = parent.subdirs.get(name)
        if old is not None and old is not node:
            # Renamed over an empty directory, which dies; or one half of
            # an exchange (renameat2 RENAME_EXCHANGE: the other directory
            # lives on, and its MOVED_FROM from this name, which would be
            # paired with *node*, comes next).  The events cannot tell them
            # apart: stop watching the one displaced; the parent is listed
            # again at the next sync cookie (by then the second half of an
            # exchange, queued in the same system call, has been read),
            # which watches and records whatever directory stands at each
            # name.  Until then the records of both names cover it.
            self.drop(old)
        parent.subdirs[name] = node
        node.parent = parent
        node.name = name
        stack = [node]
        while stack:
            n = stack.pop()
            self._always_for(n, False)
            n.rel = n.parent.child_rel(n.name)
            self._always_for(n, True)
            stack.extend(n.subdirs.values())

    def drop(self, node):
        """Stop watching a subtree that is detached (deleted or moved out)."""
        for n in node.walk():
            self._always_for(n, False)
            if self._wds.get(n.wd) is n:
                del self._wds[n.wd]
                try:
                    self._ino.rm_watch(n.wd)
                except OSError:
                    pass

    def forget(self, node):
        """The kernel dropped *node*'s watch (IN_IGNORED): unregister it;
        return its parent if it still hung there, else None."""
        if self._wds.get(node.wd) is node:
            del self._wds[node.wd]
        self._always_for(node, False)
        parent = node.parent
        if parent is not None and parent.subdirs.get(node.name) is node:
            del parent.subdirs[node.name]
            return parent
        return None

    # ---- subdirectories that cannot be watched -------------------------------
    def unwatchable(self, parent, name):
        """parent/name cannot be watched: every answer names it until that
        changes."""
        if parent.unwatched is None:
            parent.unwatched = set()
        parent.unwatched.add(name)
        self._journal.always(parent.child_rel(name) + b"/")

    def watchable(self, parent, name):
        """parent/name is watched again, or gone."""
        if parent.unwatched and name in parent.unwatched:
            parent.unwatched.discard(name)
            self._journal.always(parent.child_rel(name) + b"/", False)

    def _always_for(self, node, on):
        for name in node.unwatched or ():
            self._journal.always(node.child_rel(name) + b"/", on)
