"""Move pairing: a directory's MOVED_FROM waits for its MOVED_TO.

inotify reports a rename as two events with the same cookie: MOVED_FROM on
the old parent, MOVED_TO on the new one.  A directory moved within the tree
keeps its watches (they follow the inode), so the subtree is detached at
MOVED_FROM, held here by its cookie, and hung again at MOVED_TO (see
registry.attach).  A directory moved out of the tree has no MOVED_TO: it is
held until the end of the next read that is not empty (the two events are
queued together, but may be split across two reads), or until the next
sync cookie, whichever comes first (everything queued before the cookie
has been read by then), and then counts as moved out.

Pure bookkeeping: what "moved out" means (stop watching the subtree) is
for the caller to do with the nodes it gets back.
"""

__all__ = ["Moves"]


class Moves:
    def __init__(self):
        self._held = {}         # move cookie -> detached node (MOVED_FROM seen)
        self._older = {}        # ... the same, left over from the previous read

    def hold(self, cookie, node):
        self._held[cookie] = node

    def take(self, cookie):
        """The node whose MOVED_FROM had this cookie (held no longer), or None."""
        node = self._held.pop(cookie, None)
        if node is None:
            node = self._older.pop(cookie, None)
        return node

    def discard(self, node):
        """*node* turned up elsewhere (found by a listing before its
        MOVED_TO was read): its MOVED_TO must not hang it again."""
        for held in (self._held, self._older):
            for cookie, n in list(held.items()):
                if n is node:
                    del held[cookie]

    def end_of_read(self):
        """A read is done: return the nodes unpaired for a whole further
        read (moved out); what this read left waits one read more."""
        out = list(self._older.values())
        self._older, self._held = self._held, {}
        return out

    def finish(self):
        """Everything before a sync cookie is read: no MOVED_TO is coming
        for any node held; return them all (moved out)."""
        out = list(self._older.values()) + list(self._held.values())
        self.clear()
        return out

    def clear(self):
        self._held = {}
        self._older = {}

    def __len__(self):
        return len(self._held) + len(self._older)
