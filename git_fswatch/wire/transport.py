"""The helper's unix socket: where it lives, binding, connecting, spawning.

The socket is ``<git-dir>/fswatch/notify.sock`` (place.private_dir: a
directory created 0700 and refused when others could enter it).  When that
path is longer than a unix socket address holds (107 bytes), both sides go
through ``/proc/self/fd/<dirfd>/notify.sock``, a directory file descriptor
opened on the private directory: nothing is created in a shared /tmp.

Exactly one daemon serves a worktree: it takes an flock on
``notify.lock`` before it binds and holds it for its life.  A socket found
by a daemon that holds the lock is therefore stale (its daemon was killed)
and is replaced.  The daemon binds only once it can answer (after its
crawl), so a socket that exists always has a daemon ready behind it.

Connection errors are sorted into kinds, as git's credential-cache does:
ENOENT and ECONNREFUSED mean "no daemon" (NoDaemon); anything else is an
IpcError; a reset connection while reading is an ordinary end.

The client side uses the C module _socket directly: the git hook runs this
for every git command, and importing socket.py (selectors, enum ...) costs
it more than the whole exchange with the daemon.
"""

import _socket
import os
import select
import time

from git_fswatch.wire import protocol

SOCKET_NAME = "notify.sock"
LOCK_NAME = "notify.lock"
SUN_PATH_MAX = 107


class NoDaemon(Exception):
    """Nobody listens on the socket (absent or stale)."""


class IpcError(Exception):
    """Talking to the daemon failed in a way that is not "no daemon"."""


class AlreadyRunning(Exception):
    """Another daemon holds the lock of this worktree."""


class _Address:
    """A socket address for *name* in the directory *dirfd* (an open fd).

    The plain path when it fits in sun_path, else a /proc/self/fd path
    through the directory file descriptor.
    """

    def __init__(self, dirpath, dirfd, name=SOCKET_NAME):
        path = os.path.join(dirpath, name)
        if len(os.fsencode(path)) > SUN_PATH_MAX:
            path = "/proc/self/fd/%d/%s" % (dirfd, name)
        self.path = path


def open_dir(path):
    """An O_PATH descriptor on the private directory (not followed if a link)."""
    return os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def peer_uid(sock):
    """The uid of the process at the other end of a unix socket."""
    import socket
    import struct
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                            struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


def _check_private_fd(dirfd, path):
    """Refuse a private directory that is not ours alone (see gitdir)."""
    st = os.fstat(dirfd)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise IpcError("'%s' is not private (owner uid %d, mode %o); refusing it"
                       % (path, st.st_uid, st.st_mode & 0o7777))


def connect(private, timeout):
    """Connect to the daemon whose private directory is *private*."""
    try:
        dirfd = open_dir(private)
    except FileNotFoundError:
        raise NoDaemon("no private directory")
    except OSError as e:
        raise IpcError("cannot open '%s': %s" % (private, e.strerror))
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM | _socket.SOCK_CLOEXEC)
    try:
        _check_private_fd(dirfd, private)
        sock.settimeout(timeout)
        sock.connect(_Address(private, dirfd).path)
    except (FileNotFoundError, ConnectionRefusedError) as e:
        sock.close()
        raise NoDaemon(e.strerror)
    except IpcError:
        sock.close()
        raise
    except _socket.timeout:
        sock.close()
        raise IpcError("timed out connecting to the helper")
    except OSError as e:
        sock.close()
        raise IpcError("cannot connect to the helper: %s" % (e.strerror or e))
    finally:
        os.close(dirfd)
    return sock


def request(private, records, timeout, max_size=None):
    """Send one request (a list of records), return the reply Message.

    *timeout* bounds the whole exchange.  Raises NoDaemon or IpcError; a
    reply that is not one whole message is an IpcError.
    """
    deadline = time.monotonic() + timeout
    sock = connect(private, timeout)
    try:
        try:
            sock.sendall(protocol.encode(records))
            sock.shutdown(_socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it closed early; what it said (an error?) is still readable
        parser = protocol.Parser(max_size)
        messages = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise IpcError("timed out waiting for the helper's answer")
            sock.settimeout(left)
            try:
                data = sock.recv(1 << 16)
            except ConnectionResetError:
                data = b""
            except _socket.timeout:
                raise IpcError("timed out waiting for the helper's answer")
            if not data:
                break
            messages.extend(parser.feed(data))
        parser.finish()
    except protocol.ProtocolError as e:
        raise IpcError("bad answer from the helper: %s" % e)
    except OSError as e:
        raise IpcError("talking to the helper: %s" % (e.strerror or e))
    finally:
        sock.close()
    if len(messages) != 1:
        raise IpcError("the helper closed the connection without an answer"
                       if not messages else "the helper sent %d answers" % len(messages))
    return messages[0]


class Listener:
    """The daemon's side: lock, stale-socket replacement, bind, cleanup.

    The lock is taken (and a stale socket removed) at construction; bind()
    comes later, once the daemon can answer, so that clients never wait on
    a daemon that is still crawling: they find no socket, their spawn finds
    the lock taken ("busy"), and they answer "everything" meanwhile.
    """

    def __init__(self, private):
        import fcntl
        self.private = private
        self.dirfd = open_dir(private)
        self.lockfd = None
        self.sock = None
        self._ino = None
        try:
            self.lockfd = os.open(LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
                                  | os.O_NOFOLLOW, 0o600, dir_fd=self.dirfd)
            try:
                fcntl.flock(self.lockfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AlreadyRunning("a daemon already serves this worktree")
            try:
                os.unlink(SOCKET_NAME, dir_fd=self.dirfd)   # stale: we hold the lock
            except FileNotFoundError:
                pass
        except BaseException:
            self.close()
            raise

    def bind(self):
        import socket
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            sock.bind(_Address(self.private, self.dirfd).path)
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self._ino = os.stat(SOCKET_NAME, dir_fd=self.dirfd,
                            follow_symlinks=False).st_ino

    def fileno(self):
        return self.sock.fileno()

    def remove_socket(self):
        """Unlink our socket (only if it is still ours); stop listening."""
        if self._ino is not None:
            try:
                st = os.stat(SOCKET_NAME, dir_fd=self.dirfd, follow_symlinks=False)
                if st.st_ino == self._ino:
                    os.unlink(SOCKET_NAME, dir_fd=self.dirfd)
            except OSError:
                pass
            self._ino = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def close(self):
        self.remove_socket()
        if self.lockfd is not None:
            os.close(self.lockfd)
            self.lockfd = None
        if self.dirfd is not None:
            os.close(self.dirfd)
            self.dirfd = None


# ---- spawning ----------------------------------------------------------------

DECLINED_NAME = "notify.declined"
# How long a daemon's refusal stands before a client tries to start one
# again: without it, each git command would pay a daemon's start-up through
# the hook on a filesystem where it cannot watch.
DECLINED_FOR = 60.0


def note_declined(private, message):
    """Remember why a daemon declined (for recent_decline)."""
    tmp = os.path.join(private, DECLINED_NAME + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, message.encode("utf-8", "replace"))
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(private, DECLINED_NAME))
    except OSError:
        pass


def recent_decline(private):
    """The message of a decline less than DECLINED_FOR seconds old, or None."""
    path = os.path.join(private, DECLINED_NAME)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if time.time() - st.st_mtime >= DECLINED_FOR:
            return None
        return os.read(fd, 4096).decode("utf-8", "replace")
    finally:
        os.close(fd)


def forget_decline(private):
    try:
        os.unlink(os.path.join(private, DECLINED_NAME))
    except OSError:
        pass


def spawn(argv, cwd, env, wait):
    """Start *argv* detached (own session, stdio on /dev/null).

    The daemon is given ``--ready-fd=<n>`` and writes one line there: "ok"
    once it serves, "busy" if another daemon holds the lock, or
    "error: <why>" when it declines.  Returns (state, message) with state
    one of "ok", "busy", "error", "timeout" (no word within *wait* seconds;
    it may still come up) or "died".
    """
    r, w = os.pipe()
    argv = list(argv) + ["--ready-fd=%d" % w]
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            os.setsid()
            if os.fork() != 0:
                os._exit(0)
            os.chdir(cwd)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.set_inheritable(w, True)
            os.closerange(3, w)
            os.closerange(w + 1, 1 << 16)
            os.execve(argv[0], argv, env)
        except BaseException:
            pass
        os._exit(127)
    os.close(w)
    try:
        os.waitpid(pid, 0)
        return _read_ready(r, time.monotonic() + wait)
    finally:
        os.close(r)


def _read_ready(fd, deadline):
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout", "the helper is still starting"
        try:
            ready, _, _ = select.select([fd], [], [], left)
        except InterruptedError:
            continue
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            if data:
                break
            return "died", "the helper exited before it was ready"
        data += chunk
    line = data.split(b"\n", 1)[0].decode("utf-8", "replace")
    if line in ("ok", "busy"):
        return line, ""
    if line.startswith("error: "):
        return "error", line[len("error: "):]
    return "error", "unexpected word from the helper: %s" % line


def report_ready(fd, line):
    """The daemon's half of the readiness handshake."""
    if fd is None:
        return
    try:
        if line is not None:
            os.write(fd, line.encode("utf-8", "replace") + b"\n")
    except OSError:
        pass
    try:
        os.close(fd)
    except OSError:
        pass
