"""The warm host's inputs: a status computed in the daemon, from memory.

MemoryInputs is the daemon's side of the status engine's seam
(status/inputs.py): the environment, working directory and terminal are
the client's (sent with the request), git commands run in them through a
runner whose memo remembers the read-only ones, the status caches live in
memory (Caches: one per untracked/ignored mode), the changes since a token
come straight from the journal, and the index's bytes from a map kept while
the file keeps its identity (IndexBytes).
"""

import mmap
import os

from git_fswatch.repo import index as ix
from git_fswatch.status.inputs import Inputs
from git_fswatch.wire.protocol import Changes


class _MappedIndex(mmap.mmap):
    """A read-only map of an index file, for the engine's index parser,
    which takes bytes: it has bytes' index() besides mmap's find()."""

    def index(self, sub, start=0, end=None):
        at = self.find(sub, start, len(self) if end is None else end)
        if at < 0:
            raise ValueError("subsection not found")
        return at


class IndexBytes:
    """The index file's bytes, kept while the file keeps its identity.

    An answer computed after an edit parses only the index entries of the
    directories around it (status/tree.py's MapTree), but reading the whole
    file each time (8 MB at 100k files, 88 MB at 1M) cost more than all the
    rest.  git never writes an index in place: it renames a new file over
    it.  So the file is mapped (read-only, shared: the page cache's pages,
    of which an answer touches the few around the changes, not a private
    copy), and the map serves again while the file has the same device,
    inode, size, mtime, ctime and trailing checksum, all taken from one
    descriptor.  A renamed-over index stays mapped, unchanged, until the map
    is dropped.  An index without a checksum (index.skipHash writes zeros
    there) is read every time.  Same contract as repo/index.py's read_bytes:
    (bytes-like, stat) that describe each other, or (None, None).
    """

    def __init__(self):
        self.key = None
        self.data = self.st = None
        self.hits = 0
        self.reads = 0

    def read(self, path):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None, None
        try:
            st = os.fstat(fd)
            trailer = os.pread(fd, 20, st.st_size - 20) if st.st_size >= 20 else b""
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, trailer)
            if key == self.key:
                self.hits += 1
                return self.data, self.st
            self.reads += 1
            # dropped, not closed: an object of the last computation could
            # still refer to it; unmapped when nothing does
            self.key = self.data = self.st = None
            if len(trailer) < 20 or not trailer.strip(b"\0"):
                return ix.read_fd(fd, st.st_size), st
            data = _MappedIndex(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        if len(data) == st.st_size and data[-20:] == trailer:
            self.key, self.data, self.st = key, data, st
        return data, st


class Caches:
    """The status caches in memory, one per mode (untracked, ignored), and
    how many times each was stored (a child's cache is taken only if none
    newer was stored meanwhile)."""

    def __init__(self):
        self.caches = {}
        self.stores = {}

    def get(self, mode):
        return self.caches.get(mode)

    def put(self, mode, cache):
        self.caches[mode] = cache
        self.stores[mode] = self.stores.get(mode, 0) + 1


class MemoryInputs(Inputs):
    def __init__(self, env, cwd, isatty, git, caches, journal, index):
        Inputs.__init__(self, env, cwd, isatty, git)
        self.caches = caches
        self.journal = journal
        self.index = index

    def load_cache(self, repo, req):
        return self.caches.get(req.mode)

    def store_cache(self, repo, req, status_cache):
        self.caches.put(req.mode, status_cache)
        return True

    def changed_since(self, repo, token):
        paths, reason = self.journal.since(token)
        if paths is None:
            return Changes(self.journal.token(), True, [], reason)
        return Changes(self.journal.token(), False, list(paths), None)

    def read_index(self, path):
        return self.index.read(path)
