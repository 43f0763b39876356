"""The nodes of the watch tree: one per watched directory.

A node is a plain record that the other pieces of the watch layer share:
its path (bytes, relative to the top: ``b""`` for the top, else ``b"a/b"``),
its name and parent, its watch descriptor, its watched subdirectories by
name, and the names of the subdirectories that cannot be watched.  It also
carries what is kept per directory elsewhere: the number of entries at its
last listing, and its stat data (a statdata.DirStat, None until ``listdir``
or ``fetchall`` asks for it).

Which node is registered under which watch, and how nodes are hung, moved
and dropped, is the registry's business (registry.py), not the node's.
"""

__all__ = ["Node"]


class Node:
    """A watched directory."""
    __slots__ = ("rel", "name", "parent", "wd", "subdirs", "unwatched", "count", "stat")

    def __init__(self, rel, name, parent, wd):
        self.rel = rel
        self.name = name
        self.parent = parent        # None for the top, or while detached
        self.wd = wd
        self.subdirs = {}           # name -> Node
        self.unwatched = None       # names of subdirectories we cannot watch
        self.count = 0              # entries at the last listing
        self.stat = None            # statdata.DirStat once read

    def child_rel(self, name):
        return self.rel + b"/" + name if self.rel else name

    def mark(self, name):
        """An event on an entry: its stat data, if we hold it, is stale."""
        if self.stat is not None:
            self.stat.mark(name)

    def walk(self):
        """This node and every node below it."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.subdirs.values())

    def is_below(self, ancestor):
        """Is *ancestor* this node or one of its parents?"""
        node = self
        while node is not None:
            if node is ancestor:
                return True
            node = node.parent
        return False

    def top(self):
        """The node at the top of the tree this node hangs in."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node
