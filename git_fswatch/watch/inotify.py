"""The OS layer: Linux inotify, and nothing about git.

The only module that imports inotify_simple.  It opens an inotify instance,
adds and removes watches, and reads events with their names as *bytes*
(inotify_simple decodes names to str; we parse the kernel's buffer ourselves
so that a name is never re-encoded).  Kernel errors that mean "this machine
cannot watch" become exceptions whose message says what to do:

- WatchLimit (ENOSPC from inotify_add_watch): fs.inotify.max_user_watches;
- InstanceLimit (EMFILE from inotify_init): fs.inotify.max_user_instances;
- NoEvents: a filesystem that does not deliver inotify events for changes
  made elsewhere (NFS, CIFS, FUSE, 9p, overlay ...), see check_filesystem().

Test seams: ``Inotify(max_watches=n)`` or GIT_FSWATCH_TEST_MAX_WATCHES=<n>
makes the n+1-th watch fail as ENOSPC would, and GIT_FSWATCH_TEST_FSTYPE=<name>
makes check_filesystem() see that filesystem type.
"""

import ctypes
import ctypes.util
import errno
import fcntl
import os
import struct
import termios
from collections import namedtuple

import inotify_simple

# Event bits (inotify.h).
IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000

# What a watched worktree directory asks for: every change to its entries,
# and to itself; never through a symlink, only if it is a directory.
DIR_MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
            | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
            | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
# The cookie directory: files appearing in it, and it going away.
COOKIE_MASK = (IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF
               | IN_ONLYDIR | IN_DONT_FOLLOW)
# A directory whose disappearance matters but whose contents do not.
SELF_MASK = IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW

Event = namedtuple("Event", "wd mask cookie name")   # name: bytes (b"" for none)

_HEADER = struct.Struct("iIII")

NAMES = {
    IN_ACCESS: "ACCESS", IN_MODIFY: "MODIFY", IN_ATTRIB: "ATTRIB",
    IN_CLOSE_WRITE: "CLOSE_WRITE", IN_MOVED_FROM: "MOVED_FROM",
    IN_MOVED_TO: "MOVED_TO", IN_CREATE: "CREATE", IN_DELETE: "DELETE",
    IN_DELETE_SELF: "DELETE_SELF", IN_MOVE_SELF: "MOVE_SELF",
    IN_UNMOUNT: "UNMOUNT", IN_Q_OVERFLOW: "Q_OVERFLOW", IN_IGNORED: "IGNORED",
    IN_ISDIR: "ISDIR",
}


def mask_names(mask):
    """'CREATE|ISDIR' for a mask, for traces and test messages."""
    return "|".join(n for bit, n in sorted(NAMES.items()) if mask & bit) or "0"


class WatchLimit(Exception):
    """No more inotify watches (fs.inotify.max_user_watches)."""


class InstanceLimit(WatchLimit):
    """No more inotify instances (fs.inotify.max_user_instances)."""


class NoEvents(Exception):
    """The filesystem would not deliver the events we need."""


def _sysctl(name):
    try:
        with open("/proc/sys/fs/inotify/" + name) as f:
            return f.read().strip()
    except OSError:
        return "?"


def watch_limit_message(limit=None):
    if limit is None:
        limit = _sysctl("max_user_watches")
    return ("inotify watch limit reached (fs.inotify.max_user_watches=%s);"
            " raise it with: sysctl fs.inotify.max_user_watches=1048576"
            " (add it to /etc/sysctl.conf to keep it)" % limit)


def parse_events(data):
    """Split a buffer read from an inotify fd into Events with bytes names.

    A storm is hundreds of thousands of events a second: this loop does as
    little as it can per event (a name is NUL-padded, and holds no NUL).
    """
    events = []
    append = events.append
    unpack = _HEADER.unpack_from
    make = tuple.__new__
    pos, end, size = 0, len(data), _HEADER.size
    while pos + size <= end:
        wd, mask, cookie, namelen = unpack(data, pos)
        pos += size
        if namelen:
            name = data[pos:pos + namelen].rstrip(b"\0")
            pos += namelen
        else:
            name = b""
        append(make(Event, (wd, mask, cookie, name)))
    return events


def _max_watches_from_env():
    value = os.environ.get("GIT_FSWATCH_TEST_MAX_WATCHES")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError("GIT_FSWATCH_TEST_MAX_WATCHES must be a number, not '%s'" % value)


class Inotify:
    """One inotify instance (non-blocking, close-on-exec)."""

    def __init__(self, max_watches=None):
        if max_watches is None:
            max_watches = _max_watches_from_env()
        self.max_watches = max_watches
        try:
            self._ino = inotify_simple.INotify(nonblocking=True)
        except OSError as e:
            if e.errno == errno.EMFILE:
                raise InstanceLimit(
                    "too many inotify instances (fs.inotify.max_user_instances=%s);"
                    " raise it with: sysctl fs.inotify.max_user_instances=1024"
                    % _sysctl("max_user_instances"))
            if e.errno == errno.ENFILE:
                raise InstanceLimit("the system is out of open files (ENFILE)")
            if e.errno == errno.ENOSYS:
                raise NoEvents("this kernel has no inotify")
            raise
        self._fd = self._ino.fileno()
        self._wds = set()

    def fileno(self):
        return self._fd

    @property
    def watches(self):
        """How many watches we hold."""
        return len(self._wds)

    def add_watch(self, path, mask=DIR_MASK):
        """Watch *path* (bytes); return its wd (the same one for the same inode).

        Raises WatchLimit when out of watches, OSError (ENOENT, ENOTDIR, EACCES
        ...) when the directory cannot be watched.
        """
        try:
            wd = self._ino.add_watch(path, mask)
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise WatchLimit(watch_limit_message())
            raise OSError(e.errno, os.strerror(e.errno), os.fsdecode(path))
        if wd not in self._wds:
            if self.max_watches is not None and len(self._wds) >= self.max_watches:
                self._rm(wd)
                raise WatchLimit(watch_limit_message(self.max_watches))
            self._wds.add(wd)
        return wd

    def add_watch_fd(self, fd, mask=DIR_MASK):
        """Watch the directory open as *fd*; return its wd.

        Through /proc/self/fd, so the watch is on exactly the inode that fd
        holds, whatever its path has become; a caller that opens, watches,
        then lists through the fd cannot watch one directory and list
        another.  Needs /proc: without it this raises OSError (ENOENT) and
        the daemon declines to run.
        """
        return self.add_watch(b"/proc/self/fd/%d" % fd, mask & ~IN_DONT_FOLLOW)

    def _rm(self, wd):
        try:
            self._ino.rm_watch(wd)
        except OSError as e:
            # EINVAL: the kernel already dropped it (directory deleted, its
            # IN_IGNORED still queued).
            if e.errno != errno.EINVAL:
                raise

    def rm_watch(self, wd):
        self._wds.discard(wd)
        self._rm(wd)

    def read(self):
        """Return every event that is queued now (maybe none), never blocking."""
        try:
            data = os.read(self._fd, _read_size(self._fd))
        except BlockingIOError:
            return []
        events = parse_events(data)
        for ev in events:
            if ev.mask & IN_IGNORED:
                self._wds.discard(ev.wd)
        return events

    def close(self):
        self._ino.close()


def _read_size(fd):
    """Bytes queued on the inotify fd (at least room for one event)."""
    buf = bytearray(4)
    try:
        fcntl.ioctl(fd, termios.FIONREAD, buf)
        n = struct.unpack("=i", buf)[0]
    except OSError:
        n = 0
    return max(n, 65536)


# ---- filesystems that deliver no events ------------------------------------

# statfs f_type magic numbers (linux/magic.h and filesystems' own headers).
REMOTE_FILESYSTEMS = {
    0x6969: "nfs",
    0x517B: "smb",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x65735546: "fuse",
    0x01021997: "9p",
    0x794C7630: "overlay",
    0x73757245: "coda",
    0x5346414F: "afs",
    0x6B414653: "afs",
    0x00C36400: "ceph",
    0x47504653: "gpfs",
    0x0BD00BD0: "lustre",
    0x013111A8: "ibrix",
    0x7461636F: "ocfs2",
    0x01161970: "gfs2",
    0xAAD7AAEA: "panfs",
    0x564C: "ncp",
    0x786F4256: "vboxsf",
}


class _StatfsBuf(ctypes.Structure):
    # struct statfs begins with f_type (__fsword_t, a long); the rest is
    # room enough for any architecture's layout.
    _fields_ = [("f_type", ctypes.c_long), ("rest", ctypes.c_char * 256)]


_libc = None


def fs_type(path):
    """Return (magic, name) of the filesystem holding *path*; name None if local."""
    override = os.environ.get("GIT_FSWATCH_TEST_FSTYPE")
    if override:
        return 0, override
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    buf = _StatfsBuf()
    if _libc.statfs(os.fsencode(path), ctypes.byref(buf)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), os.fsdecode(path))
    magic = buf.f_type & 0xFFFFFFFF
    return magic, REMOTE_FILESYSTEMS.get(magic)


def check_filesystem(path):
    """Raise NoEvents if *path* is on a filesystem that inotify cannot watch."""
    magic, name = fs_type(path)
    if name:
        raise NoEvents("'%s' is on a %s filesystem%s, where inotify does not see"
                       " changes made by other machines or layers; not watching it"
                       % (os.fsdecode(path), name,
                          " (statfs type 0x%x)" % magic if magic else ""))
