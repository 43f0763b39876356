"""A reader of git's index file (versions 2, 3 and 4) for what pygit2 hides.

pygit2's IndexEntry has no stat data and no extended flags; the status engine
needs both: the stat data to decide without reading a file, and the
assume-unchanged, skip-worktree and intent-to-add flags to decide as git
does.  The layout is git's Documentation/gitformat-index: a 12-byte header,
the entries, extensions, and a trailing hash.

Extensions that only speed git up (TREE, REUC, UNTR, FSMN, EOIE, IEOT) are
skipped.  A split index ("link"), a sparse index ("sdir") or any other
extension git calls mandatory (a lower-case first letter) raises Decline:
reading only part of the truth would give a wrong status.
"""

import os
import struct

from git_fswatch.decline import Decline

# flags (16 bits)
ASSUME_VALID = 0x8000
EXTENDED = 0x4000
STAGE_MASK = 0x3000
STAGE_SHIFT = 12
NAME_MASK = 0x0FFF
# extended flags (16 bits, version 3 and later)
SKIP_WORKTREE = 0x4000
INTENT_TO_ADD = 0x2000

HEADER = struct.Struct(">4sII")
_MODE_OID_FLAGS = struct.Struct(">24xI12x20sH")
_EXT = struct.Struct(">4sI")
STAT = struct.Struct(">10I")   # ctime s, ns, mtime s, ns, dev, ino, mode, uid, gid, size

# Fields of an entry tuple, by position (tuples keep 100k entries cheap):
# (path, mode, oid (20 bytes), stage, flags, stat data (40 bytes, as stored)).
PATH, MODE, OID, STAGE, FLAGS, STATDATA = range(6)
# Bits of FLAGS: the entry's 16 flag bits, and the extended ones shifted up.
F_ASSUME = ASSUME_VALID
F_SKIP = SKIP_WORKTREE << 16
F_ITA = INTENT_TO_ADD << 16


def stat_fields(e):
    """The stat data of entry *e* as 10 integers (see STAT)."""
    return STAT.unpack(e[STATDATA])


class Index:
    """The parsed index: entries (tuples, in index order) and the file's stat.

    Stat data stay as the 40 bytes git stored (32-bit fields, truncated), so
    that a file's lstat can be compared with them as packed bytes.
    """

    def __init__(self, version, entries, checksum, stat, extensions):
        self.version = version
        self.entries = entries
        self.checksum = checksum
        self.stat = stat
        self.extensions = extensions

    @property
    def mtime_ns(self):
        """The index file's mtime, for racy-git checks (0: no index file)."""
        return self.stat.st_mtime_ns if self.stat is not None else 0

    def identity(self):
        """What changes whenever the index is rewritten."""
        st = self.stat
        if st is None:
            return "none"
        return "%s:%d:%d:%d" % (self.checksum, st.st_size, st.st_mtime_ns, st.st_ino)


def _varint(data, pos):
    """git's offset encoding (varint.c): returns (value, new position)."""
    c = data[pos]
    pos += 1
    val = c & 0x7F
    while c & 0x80:
        c = data[pos]
        pos += 1
        val = ((val + 1) << 7) | (c & 0x7F)
    return val, pos


def parse(data, hash_size=20):
    """Parse index bytes; returns (version, entries, checksum, extension names)."""
    return parse_all(data, hash_size)[:4]


def parse_all(data, hash_size=20):
    """parse(), plus each entry's byte offset and where the entries end."""
    try:
        return _parse(data, hash_size)
    except (struct.error, ValueError, IndexError):
        raise Decline("damaged-index")


def _parse(data, hash_size):
    if len(data) < HEADER.size + hash_size:
        raise Decline("damaged-index", "index file too short")
    sig, version, count = HEADER.unpack_from(data, 0)
    if sig != b"DIRC":
        raise Decline("damaged-index", "bad index signature")
    if version not in (2, 3, 4):
        raise Decline("index-version", "index version %d" % version)
    end = len(data) - hash_size
    pos = HEADER.size
    if version == 4:
        entries, offsets, pos = _entries_v4(data, pos, count, end)
    else:
        entries, offsets, pos = _entries_v2(data, pos, count, end, version)
    entries_end = pos
    names = []
    while pos + _EXT.size <= end:
        name, length = _EXT.unpack_from(data, pos)
        if not (65 <= name[0] <= 90):
            # lower case first letter: git must understand it to read the index
            raise Decline("index-extension", "index extension '%s'" % name.decode("latin-1"))
        names.append(name.decode("latin-1"))
        pos += _EXT.size + length
    if pos != end:
        raise Decline("damaged-index", "garbage after the index extensions")
    return version, entries, data[end:].hex(), names, offsets, entries_end


def _entries_v4(data, pos, count, end):
    entries = []
    append = entries.append
    offsets = []
    offset = offsets.append
    decode = _decode
    prev = b""
    for _ in range(count):
        offset(pos)
        entry, pos = decode(data, pos, 4, prev)
        if pos > end:
            raise Decline("damaged-index", "truncated index")
        append(entry)
        prev = entry[0]
    return entries, offsets, pos


def _entries_v2(data, pos, count, end, version):
    """The entries of a version 2 or 3 index: _decode() inlined for the
    common entry (no extended flags, a name shorter than 4095 bytes), which
    is most of the time a full scan spends outside the worktree.  Anything
    else goes through _decode(), so both give the same tuples."""
    entries = []
    append = entries.append
    offsets = []
    offset = offsets.append
    unpack = _MODE_OID_FLAGS.unpack_from
    for _ in range(count):
        offset(pos)
        mode, oid, flags = unpack(data, pos)
        namelen = flags & NAME_MASK
        if flags & EXTENDED or namelen == NAME_MASK:
            entry, nxt = _decode(data, pos, version, b"")
        else:
            nxt = pos + ((70 + namelen) & ~7)
            entry = (data[pos + 62:pos + 62 + namelen], mode, oid,
                     (flags >> STAGE_SHIFT) & 3, flags, data[pos:pos + 40])
        if nxt > end:
            raise Decline("damaged-index", "truncated index")
        append(entry)
        pos = nxt
    return entries, offsets, pos


def entry_at(data, pos, version, prev=b""):
    """The entry at byte *pos*, and the next entry's position.  A version 4
    index compresses each path against the one before: *prev* is that."""
    try:
        return _decode(data, pos, version, prev)
    except (struct.error, ValueError, IndexError):
        raise Decline("damaged-index")


def _decode(data, pos, version, prev):
    """One entry: ((path, mode, oid, stage, flags, stat bytes), next pos).
    The one decoder behind parse() and entry_at()."""
    start = pos
    mode, oid, flags = _MODE_OID_FLAGS.unpack_from(data, pos)
    pos += 62
    if flags & EXTENDED:
        if version < 3:
            raise Decline("damaged-index", "extended flag in a version 2 index")
        ext = (data[pos] << 8) | data[pos + 1]
        pos += 2
        if ext & ~(SKIP_WORKTREE | INTENT_TO_ADD):
            raise Decline("index-extension", "unknown extended index flags")
        flags |= ext << 16
    if version == 4:
        strip, pos = _varint(data, pos)
        nul = data.index(b"\0", pos)
        if strip > len(prev):
            raise Decline("damaged-index", "bad path compression in the index")
        path = prev[:len(prev) - strip] + data[pos:nul]
        nxt = nul + 1
    else:
        namelen = flags & NAME_MASK
        nul = pos + namelen if namelen < NAME_MASK else data.index(b"\0", pos)
        path = data[pos:nul]
        # entries are padded with 1-8 NULs to a multiple of 8 bytes
        nxt = start + ((nul - start + 8) & ~7)
    return (path, mode, oid, (flags >> STAGE_SHIFT) & 3, flags, data[start:start + 40]), nxt


def read_fd(fd, size):
    """Everything from *fd* (a regular file of *size* bytes at fstat) to its
    end, in as few reads as it takes."""
    chunks = []
    want = size + 1                     # one more: see the end in one read
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        want = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path):
    """(bytes, stat) of the index at *path*, both from one descriptor, so
    that the stat describes exactly the bytes; (None, None) if there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, None
    try:
        st = os.fstat(fd)
        return read_fd(fd, st.st_size), st
    finally:
        os.close(fd)


def parse_index(data, st, hash_size=20):
    """The Index of the bytes *data* read with stat *st* (None: no index
    file, an empty index)."""
    if data is None:
        idx = Index(2, [], "", None, [])
        idx.offsets, idx.entries_end = [], 12
        return idx
    version, entries, checksum, names, offsets, entries_end = parse_all(data, hash_size)
    idx = Index(version, entries, checksum, st, names)
    idx.offsets = offsets
    idx.entries_end = entries_end
    return idx


def read(path, hash_size=20):
    """Read and parse the index at *path*.  A missing index is an empty one."""
    data, st = read_bytes(path)
    return parse_index(data, st, hash_size)


def identity_of(data, st, hash_size=20):
    """Index.identity() for raw index bytes and their stat."""
    if data is None:
        return "none"
    return "%s:%d:%d:%d" % (data[-hash_size:].hex(), st.st_size, st.st_mtime_ns, st.st_ino)


def read_identity(path, hash_size=20):
    """Index.identity() of the index at *path*, reading only its trailer."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return "none"
    try:
        st = os.fstat(fd)
        if st.st_size < hash_size:
            return "short"
        checksum = os.pread(fd, hash_size, st.st_size - hash_size).hex()
    finally:
        os.close(fd)
    return "%s:%d:%d:%d" % (checksum, st.st_size, st.st_mtime_ns, st.st_ino)
