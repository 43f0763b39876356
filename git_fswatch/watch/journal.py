"""The journal: which paths changed after a given moment.

Pure bookkeeping, no I/O.  Every recorded path gets the next number of a
sequence that only grows; a token names a moment as ``<instance>:<seq>``, and
``since(token)`` answers the paths recorded after that moment, each once.

Memory is bounded: a path recorded again is moved to its newest number (so a
file written a million times costs one entry), and when more than
``max_paths`` distinct paths are held the oldest are dropped.  A token older
than what was dropped can no longer be answered exactly and gets "expired".

The instance id changes whenever continuity is lost (``reset``: overflow,
watch failure); tokens of an earlier instance then answer the reason of the
reset that ended it (for the last few instances) or "unknown-token".  Tokens
issued before ``mark_ready`` (while the first crawl runs) answer "crawling".

Paths marked with ``always(path)`` (directories the watcher cannot watch)
are part of every answer until unmarked: what happens in them is unknown.
"""

import binascii
import os
from collections import OrderedDict

# How many ended instances we remember, to name the reason of their end.
_KEEP_ENDED = 16


def _new_instance():
    return binascii.hexlify(os.urandom(8)).decode("ascii")


class Journal:
    def __init__(self, max_paths=100_000):
        if max_paths < 1:
            raise ValueError("max_paths must be at least 1")
        self.max_paths = max_paths
        self._seq = 0
        self._records = 0
        self._resets = 0
        self._dropped = 0
        self._ended = OrderedDict()      # old instance -> reason it ended
        self._start_instance()

    def _start_instance(self):
        self.instance = _new_instance()
        self._paths = OrderedDict()      # path -> seq, oldest first
        self._always = {}                # paths in every answer (an ordered set)
        self._floor = self._seq          # tokens below this have expired
        self._ready_seq = None           # set by mark_ready()

    # ---- writing --------------------------------------------------------
    def record(self, path):
        """Note that *path* (bytes, worktree-relative, dirs end in b'/') changed."""
        self._seq += 1
        self._records += 1
        paths = self._paths
        if path in paths:
            paths.move_to_end(path)
        paths[path] = self._seq
        while len(paths) > self.max_paths:
            _, seq = paths.popitem(last=False)
            self._dropped += 1
            # A token t below seq would need the path we just dropped.
            if seq > self._floor:
                self._floor = seq

    def always(self, path, on=True):
        """Put *path* in every answer from now on (or, with on=False, stop).

        For a directory that cannot be watched: nobody can tell what
        changed in it, so every answer says it may have.  A reset forgets
        these, since the crawl that follows finds them again.
        """
        if on:
            self._always[path] = None
        else:
            self._always.pop(path, None)

    def mark_ready(self):
        """The crawl is complete: tokens issued from now on can be answered.

        Calling it again while ready changes nothing.
        """
        if self._ready_seq is None:
            # Step the sequence so that a token issued during the crawl is
            # told apart from one issued now, even if nothing was recorded.
            self._seq += 1
            self._ready_seq = self._seq

    def reset(self, reason):
        """Continuity is lost: forget everything and start a new instance.

        Tokens of the instance that ends answer *reason*; the new instance
        is not ready until mark_ready() is called again (after a recrawl).
        """
        self._ended[self.instance] = reason
        while len(self._ended) > _KEEP_ENDED:
            self._ended.popitem(last=False)
        self._resets += 1
        self._start_instance()

    # ---- reading --------------------------------------------------------
    @property
    def ready(self):
        return self._ready_seq is not None

    def token(self):
        """The token for the current moment."""
        return "%s:%d" % (self.instance, self._seq)

    def since(self, token):
        """Return (paths, None), or (None, reason) when the answer is "everything".

        Paths come once each, oldest change first.  Reasons: "fresh" (no
        token), "unknown-token" (unparseable, from another daemon, or from
        the future), "crawling" (issued before the crawl completed, or asked
        while it runs), "expired" (older than the journal keeps), or the
        reason given to reset() (e.g. "overflow") for a recent instance.
        """
        if token is None:
            return None, "fresh"
        instance, seq = _parse(token)
        if instance is None:
            return None, "unknown-token"
        if instance != self.instance:
            return None, self._ended.get(instance, "unknown-token")
        if seq > self._seq:
            return None, "unknown-token"
        if self._ready_seq is None or seq < self._ready_seq:
            return None, "crawling"
        if seq < self._floor:
            return None, "expired"
        out = []
        for path in reversed(self._paths):
            if self._paths[path] <= seq:
                break
            out.append(path)
        out.reverse()
        if self._always:
            seen = set(out)
            out.extend(p for p in self._always if p not in seen)
        return out, None

    @property
    def stats(self):
        return {
            "instance": self.instance,
            "seq": self._seq,
            "ready": self.ready,
            "paths": len(self._paths),
            "always": len(self._always),
            "max-paths": self.max_paths,
            "records": self._records,
            "dropped": self._dropped,
            "resets": self._resets,
        }


def _parse(token):
    """Split ``<instance>:<seq>``; (None, None) if it is not one of ours."""
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            return None, None
    instance, sep, seq = token.rpartition(":")
    if not sep or not instance or not seq.isdigit() or not seq.isascii():
        return None, None
    if len(seq) > 1 and seq[0] == "0":
        return None, None
    return instance, int(seq)
