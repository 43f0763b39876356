"""Stat data as the stat cache keeps it: packed, one blob per directory.

``StatInfo`` is what ``listdir`` and ``fetchall`` answer for an entry.  What
is held is smaller: 36 bytes of stat data an entry (mode, size, mtime, ctime,
inode), in one bytes blob per directory, in the order of a second blob of
the directory's names (sorted, joined by NUL, which no name contains).  A
Python object per file would cost ~170 bytes; this costs ~50 (names
included).  A directory's ``DirStat`` also holds the names of the entries
whose stat data an event made stale ("dirty"), to be read again when next
asked for (statcache.py).
"""

import stat as _stat
import struct
from collections import namedtuple

__all__ = ["StatInfo", "statinfo", "DirStat", "pack", "packed", "unpacked", "is_dir",
           "IS_DIR"]

StatInfo = namedtuple("StatInfo", "kind mode size mtime_ns ctime_ns ino")

_KINDS = {_stat.S_IFREG: "f", _stat.S_IFDIR: "d", _stat.S_IFLNK: "l"}

IS_DIR = _stat.S_IFDIR

_PACKED = struct.Struct("=IqqqQ")
_SIZE = _PACKED.size
# pack(mode, size, mtime_ns, ctime_ns, ino): for a loop over many entries
# that has the stat result's fields at hand.
pack = _PACKED.pack


def statinfo(st):
    mode = st.st_mode
    return StatInfo(_KINDS.get(mode & 0o170000, "o"), mode, st.st_size,
                    st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def packed(st):
    return pack(st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def unpacked(data):
    mode, size, mtime_ns, ctime_ns, ino = _PACKED.unpack(data)
    return StatInfo(_KINDS.get(mode & 0o170000, "o"), mode, size, mtime_ns, ctime_ns, ino)


def is_dir(data):
    return (_PACKED.unpack(data)[0] & 0o170000) == IS_DIR


class DirStat:
    """The stat data of one directory's entries."""
    __slots__ = ("names", "stats", "dirty")

    def __init__(self, entries):
        """*entries*: {name: packed stat data}."""
        names = sorted(entries)
        self.names = b"\0".join(names)
        self.stats = b"".join([entries[n] for n in names])
        self.dirty = None       # names whose stat data must be read again

    def items(self):
        """[(name, packed)] in name order."""
        stats = self.stats
        if not stats:
            return []
        return list(zip(self.names.split(b"\0"),
                        [stats[i:i + _SIZE] for i in range(0, len(stats), _SIZE)]))

    def entries(self):
        """{name: packed}."""
        return dict(self.items())

    def mark(self, name):
        if self.dirty is None:
            self.dirty = set()
        self.dirty.add(name)
