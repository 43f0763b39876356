"""The helper's daemon: one selectors loop over inotify, the socket and clients.

Life of a daemon:

1. Take the worktree's lock (transport.Listener); a daemon that cannot says
   "busy" and leaves.
2. Watch the tree (WatchTree.start: the first crawl), mark the journal
   ready, bind the socket and tell the spawner "ok" on the readiness pipe.
   Clients that come during the crawl find no socket, and answer
   "everything" rather than wait on it.  A machine that cannot watch
   (WatchLimit, NoEvents) makes it decline: the reason goes to the spawner
   (and the trace), and callers scan.
3. Serve.  One request per connection; requests are NUL-ended records
   (protocol.py) of at most MAX_REQUEST bytes.  Before answering get,
   listdir or fetchall it proves it has read every event up to the request:
   it creates a cookie file in ``cookies/`` and answers when inotify shows
   it; after SYNC_TIMEOUT seconds it answers "everything" (sync-timeout).
   A warm-status request (warm.py) is answered from memory or computed in
   the loop, except a full scan: that runs in a forked child whose pipe is
   one more thing the loop watches, and its clients wait for it while
   everyone else is served.
4. Exit on ``exit`` (the socket is removed before the reply is sent), on
   SIGTERM or SIGINT, when the worktree or git dir goes away, when its
   socket is taken away, or after the idle timeout with no client.  A clean
   exit removes the socket and kills the warm engine's children (which the
   kernel kills too, should the daemon die uncleanly).

A client's bytes never kill or hang the loop: bad requests get an
``error=`` reply, a client that says nothing for CLIENT_TIMEOUT seconds is
dropped, one that disconnects mid-reply is forgotten.
"""

import os
import selectors
import signal
import socket
import stat
import time

from git_fswatch.wire import transport
from git_fswatch.wire import protocol
from git_fswatch.trace import trace

# At most this many connections at once, so that memory stays bounded
# (protocol.MAX_REQUEST each) whoever connects: beyond it the client that has been
# sending its request the longest is dropped to make room.
MAX_CLIENTS = 200
# File descriptors kept free of clients (inotify, socket, lock, selector,
# cookies, directories being watched, the warm engine's files and pipes).
SPARE_FDS = 32


def _client_cap():
    """MAX_CLIENTS, or fewer when the fd limit is low: a daemon out of file
    descriptors would find its listening socket readable and accept()
    failing, again and again, at full CPU."""
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CLIENTS
    return max(4, min(MAX_CLIENTS, soft - SPARE_FDS))
CLIENT_TIMEOUT = 5.0
SYNC_TIMEOUT = 2.0
EXIT_FLUSH = 1.0
# How often an otherwise idle daemon checks that its socket is still there.
SELF_CHECK = 10.0


def _test_knob(name, default):
    """A GIT_FSWATCH_TEST_* number, for tests that cannot wait for defaults."""
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        return default


class _Terminate(Exception):
    pass


def _on_signal(signum, frame):
    raise _Terminate(signal.Signals(signum).name)


def _directories_on_disk(top, rel):
    """*rel* and every directory below it, as the disk has them now (none if
    *rel* is not a directory); symbolic links are not followed, nested
    repositories' .git not entered."""
    out = []
    stack = [rel]
    while stack:
        d = stack.pop()
        path = top + b"/" + d if d else top
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                continue
        except OSError:
            continue
        out.append(d)
        try:
            with os.scandir(path) as it:
                subs = [e.name for e in it
                        if e.name != b".git" and e.is_dir(follow_symlinks=False)]
        except OSError:
            continue                      # git will look at it for itself
        prefix = d + b"/" if d else b""
        stack.extend(prefix + name for name in sorted(subs, reverse=True))
    return out


class _Client:
    __slots__ = ("sock", "parser", "out", "deadline", "done", "eof", "cookie",
                 "request", "child")

    def __init__(self, sock, now):
        self.sock = sock
        self.parser = protocol.Parser(protocol.MAX_REQUEST)
        self.out = None          # bytes being sent, once answered
        self.deadline = now + CLIENT_TIMEOUT
        self.done = False        # request read (or refused): read no more
        self.eof = False         # the client has finished writing
        self.cookie = None       # waiting for this cookie
        self.request = None
        self.child = None        # waiting for this warm engine's child


def stat_record(stat_info, name):
    """``<kind> <mode> <size> <mtime_ns> <ctime_ns> <ino> <name>``."""
    kind = stat_info.kind
    if isinstance(kind, bytes):
        kind = kind.decode("ascii", "replace")
    head = "%s %d %d %d %d %d " % (kind, stat_info.mode, stat_info.size,
                                   stat_info.mtime_ns, stat_info.ctime_ns,
                                   stat_info.ino)
    return head.encode("ascii") + name


def _key(name):
    out = "".join(c if c.isalnum() or c == "-" else "-" for c in str(name).lower())
    return out.strip("-") or "x"


class Daemon:
    def __init__(self, repo, private, idle_timeout, ready_fd=None, foreground=False):
        self.repo = repo
        self.foreground = foreground
        self.private = private
        self.idle_timeout = idle_timeout
        self.ready_fd = ready_fd
        self.cookie_dir = os.path.join(private, "cookies")
        self.started = time.time()
        self.clients = {}        # fd -> _Client
        self.pending = {}        # cookie name -> _Client
        self.cookie_seq = 0
        self.stopping = None     # the reason, once we are on our way out
        self.listener = None
        self.watch = None
        self.journal = None
        self.sel = None
        self.last_activity = time.monotonic()
        self.requests = 0
        self.max_clients = _client_cap()
        self.sync_timeouts = 0
        self.declined = None     # why it would not run
        self.busy = False        # another daemon serves the worktree
        self.warm = None         # the warm status engine, made on first use
        self.children = {}       # the warm engine's computing children -> waiting clients
        # A test seam: never make the cookie, as if the kernel lost its event.
        self.lose_cookies = bool(os.environ.get("GIT_FSWATCH_TEST_LOSE_COOKIES"))

    # ---- start and stop -------------------------------------------------
    def _ready(self, line):
        if self.foreground and line != "ok":
            line = None                   # the command line says it on stderr
        transport.report_ready(self.ready_fd, line)
        self.ready_fd = None

    def run(self):
        """Serve until told to stop; return the exit code."""
        old = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            return self._run()
        except (_Terminate, KeyboardInterrupt) as e:
            trace("daemon: exiting on %s", e or "SIGINT")
            return 0
        finally:
            self._cleanup()
            for s, h in old.items():
                signal.signal(s, h)

    def _run(self):
        try:
            self.listener = transport.Listener(self.private)
        except transport.AlreadyRunning:
            trace("daemon: another daemon serves %s", self.repo.worktree)
            self.busy = True
            self._ready("busy")
            return 0
        except OSError as e:
            return self._decline("cannot lock '%s': %s" % (self.private, e.strerror or e))
        from git_fswatch.wire.place import UnsafeDirectory
        try:
            self._setup_cookie_dir()
        except OSError as e:
            return self._decline("cannot make '%s': %s" % (self.cookie_dir, e.strerror))
        except UnsafeDirectory as e:
            return self._decline(str(e))

        from git_fswatch.watch import inotify
        from git_fswatch.watch.journal import Journal
        from git_fswatch.watch.tree import WatchTree
        self.journal = Journal()
        try:
            self.watch = WatchTree(self.repo.worktree, self.repo.git_dir,
                                   self.cookie_dir, self.journal)
            self.watch.start()
        except (inotify.WatchLimit, inotify.InstanceLimit,
                inotify.NoEvents) as e:
            return self._decline(str(e))
        except OSError as e:
            return self._decline("cannot watch '%s': %s"
                                 % (self.repo.worktree, e.strerror or e))
        self.journal.mark_ready()
        trace("daemon: watching %s (instance %s)", self.repo.worktree,
              self.journal.instance)
        try:
            self.listener.bind()
        except OSError as e:
            return self._decline("cannot listen on the socket: %s" % (e.strerror or e))
        trace("daemon: listening in %s", self.private)
        self._ready("ok")
        return self._loop()

    def _decline(self, message):
        trace("daemon: declining: %s", message)
        self.declined = message
        transport.note_declined(self.private, message)
        self._ready("error: " + message)
        return 1

    def _setup_cookie_dir(self):
        try:
            os.mkdir(self.cookie_dir, 0o700)
        except FileExistsError:
            from git_fswatch.wire.place import check_private
            check_private(self.cookie_dir)
            for name in os.listdir(self.cookie_dir):   # a killed daemon's
                try:
                    os.unlink(os.path.join(self.cookie_dir, name))
                except OSError:
                    pass

    def _cleanup(self):
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for name in list(self.pending):
            self._remove_cookie(name)
        for client in list(self.clients.values()):
            self._drop(client)
        if self.warm is not None:
            self.warm.close()
        if self.watch is not None and hasattr(self.watch, "close"):
            try:
                self.watch.close()
            except OSError:
                pass
        if self.sel is not None:
            self.sel.close()
        if self.ready_fd is not None:
            self._ready("error: the daemon stopped while starting")

    # ---- the loop -------------------------------------------------------
    def _loop(self):
        self.sel = sel = selectors.DefaultSelector()
        sel.register(self.listener, selectors.EVENT_READ, "listen")
        sel.register(self.watch, selectors.EVENT_READ, "watch")
        stop_deadline = None
        self_check = _test_knob("GIT_FSWATCH_TEST_SELF_CHECK", SELF_CHECK)
        next_check = time.monotonic() + self_check
        while True:
            now = time.monotonic()
            if self.stopping:
                if stop_deadline is None:
                    stop_deadline = now + EXIT_FLUSH
                    self._stop_listening()
                if not self.clients or now >= stop_deadline:
                    trace("daemon: exiting: %s", self.stopping)
                    return 0
            for key, mask in sel.select(self._timeout(now, stop_deadline, next_check)):
                what = key.data
                if what == "listen":
                    self._accept()
                elif what == "watch":
                    self._read_events()
                elif type(what) is not _Client:
                    self._child_ready(what)
                elif mask & selectors.EVENT_WRITE:
                    self._write(what)
                else:
                    self._read(what)
            now = time.monotonic()
            self._expire(now)
            if self.stopping:
                continue
            if self.watch.gone:
                self.stopping = "the repository went away: %s" % self.watch.gone
            elif not self.clients and now - self.last_activity >= self.idle_timeout:
                self.stopping = "idle for %d seconds" % self.idle_timeout
            elif now >= next_check:
                next_check = now + self_check
                if not self._socket_is_ours():
                    self.stopping = "the socket was removed"
                elif self.watch.check():
                    # a directory above the worktree or git dir was renamed:
                    # no inotify event says so, only this check does
                    self.stopping = "the repository went away: %s" % self.watch.gone

    def _timeout(self, now, stop_deadline, next_check):
        deadlines = [next_check]
        if stop_deadline is not None:
            deadlines.append(stop_deadline)
        elif not self.clients:
            deadlines.append(self.last_activity + self.idle_timeout)
        deadlines.extend(c.deadline for c in self.clients.values())
        deadlines.extend(c.deadline for c in self.children if not c.killed)
        return max(0.0, min(deadlines) - now)

    def _socket_is_ours(self):
        listener = self.listener
        if listener is None or listener._ino is None:
            return False
        try:
            st = os.stat(transport.SOCKET_NAME, dir_fd=listener.dirfd, follow_symlinks=False)
        except OSError:
            return False
        return st.st_ino == listener._ino

    def _stop_listening(self):
        if self.listener is not None and self.listener.sock is not None:
            self.sel.unregister(self.listener)
            self.listener.remove_socket()

    def _read_events(self):
        # The watcher returns the cookies it saw once every event before
        # each was acted on; their clients are answered now, outside it.
        for name in self.watch.process():
            self._on_cookie(name)

    def _expire(self, now):
        for child in self.children:
            if now >= child.deadline and not child.killed:
                trace("daemon: warm child %d took too long; killing it", child.pid)
                child.kill("it took longer than %d seconds" % (now - child.started))
        for client in list(self.clients.values()):
            if now < client.deadline:
                continue
            if client.cookie is not None:
                self.sync_timeouts += 1
                trace("daemon: cookie %s did not arrive in %.1fs", client.cookie,
                      SYNC_TIMEOUT)
                self._remove_cookie(client.cookie)
                self._answer(client, self._everything("sync-timeout"))
            else:
                trace("daemon: dropping a silent or slow client")
                self._drop(client)

    # ---- clients --------------------------------------------------------
    def _accept(self):
        while True:
            try:
                sock, _ = self.listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                trace("daemon: accept: %s", e)
                return
            if len(self.clients) >= self.max_clients and not self._make_room():
                trace("daemon: %d clients already; closing a new one", len(self.clients))
                sock.close()
                continue
            now = time.monotonic()
            self.last_activity = now
            sock.setblocking(False)
            client = _Client(sock, now)
            self.clients[sock.fileno()] = client
            uid = transport.peer_uid(sock)
            if uid != os.getuid():
                trace("daemon: refusing a client of uid %d", uid)
                client.done = True
                self._answer(client, protocol.encode(
                    [("error", "permission denied: uid %d is not the daemon's" % uid)]))
                continue
            self.sel.register(sock, selectors.EVENT_READ, client)

    def _make_room(self):
        """Drop the slowest client still sending its request; False if none."""
        reading = [c for c in self.clients.values() if not c.done]
        if not reading:
            return False
        trace("daemon: %d clients already; dropping the slowest", len(self.clients))
        self._drop(min(reading, key=lambda c: c.deadline))
        return True

    def _read(self, client):
        try:
            data = client.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return self._drop(client)
        if client.done:
            # Bytes after the request are ignored.  After our answer we
            # read until the client's end, so that closing a socket with
            # unread bytes does not reset the connection under the answer.
            if not data:
                client.eof = True
                if client.out is None:
                    self.sel.unregister(client.sock)  # answer still to come
                elif not client.out:
                    self._drop(client)
            return
        if not data:
            client.eof = True
            try:
                client.parser.finish()
            except protocol.ProtocolError as e:
                return self._refuse(client, str(e))
            return self._refuse(client, "empty request")
        try:
            messages = client.parser.feed(data)
        except protocol.ProtocolError as e:
            return self._refuse(client, str(e))
        if messages:
            client.done = True
            self._handle(client, messages[0])

    def _refuse(self, client, message):
        trace("daemon: bad request: %s", message)
        client.done = True
        self._answer(client, protocol.encode([("error", message)]))

    def _handle(self, client, msg):
        self.requests += 1
        self.last_activity = time.monotonic()
        version = msg.get("version")
        action = msg.get("action")
        if version != protocol.VERSION:
            return self._refuse(client, "unsupported protocol version %r"
                                % (version.decode("ascii", "replace") if version else None))
        if action is None:
            return self._refuse(client, "no action")
        action = action.decode("ascii", "replace")
        trace("daemon: request %s", action)
        if action in ("get", "listdir", "fetchall", "warm-status"):
            if action == "listdir" and msg.get("path") is None:
                return self._refuse(client, "listdir needs a path")
            client.request = (action, msg)
            self._sync(client)
        elif action == "status":
            self._answer(client, self._status())
        elif action == "exit":
            self.stopping = "asked to exit"
            self._stop_listening()       # the socket is gone before the reply
            self._answer(client, protocol.encode([("version", 1), ("ok", "exiting")]))
        else:
            self._refuse(client, "unknown action '%s'" % action)

    # ---- sync -----------------------------------------------------------
    def _sync(self, client):
        self.cookie_seq += 1
        name = "%d-%d" % (os.getpid(), self.cookie_seq)
        try:
            if not self.lose_cookies:
                fd = os.open(os.path.join(self.cookie_dir, name),
                             os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o600)
                os.close(fd)
        except OSError as e:
            trace("daemon: cannot make a cookie: %s", e)
            # Most often the repository moved (a directory above it was
            # renamed): then leave now rather than at the next self-check.
            if self.watch.check():
                self.stopping = "the repository went away: %s" % self.watch.gone
            return self._answer(client, self._everything("error"))
        client.cookie = name
        client.deadline = time.monotonic() + SYNC_TIMEOUT
        self.pending[name] = client

    def _on_cookie(self, name):
        """The cookie *name* (str) came back through inotify: answer its client."""
        client = self.pending.get(name)
        if client is None:
            return
        self._remove_cookie(name)
        action, msg = client.request
        if action == "get":
            reply = self._get(msg)
        elif action == "listdir":
            reply = self._listdir(msg.get("path"))
        elif action == "warm-status":
            return self._warm_dispatch(client, msg)
        else:
            reply = self._fetchall()
        self._answer(client, reply)

    def _remove_cookie(self, name):
        client = self.pending.pop(name, None)
        if client is not None:
            client.cookie = None
        try:
            os.unlink(os.path.join(self.cookie_dir, name))
        except OSError:
            pass

    # ---- answers --------------------------------------------------------
    def _everything(self, reason):
        return protocol.encode([("version", 1), ("token", self.journal.token()),
                                ("everything", reason)])

    def _get(self, msg):
        token = msg.get("token")
        paths, reason = self.journal.since(token)
        records = [("version", 1), ("token", self.journal.token())]
        if paths is None:
            trace("daemon: get: everything (%s)", reason)
            records.append(("everything", reason))
        else:
            trace("daemon: get: %d path(s)", len(paths))
            records.extend(("path", p) for p in paths)
            # For the hook (see hook.py): "dirs=1", every directory of the
            # worktree; "below=1", every directory at or below a reported one.
            if msg.get("dirs") == b"1":
                tops = [b""]
            elif msg.get("below") == b"1":
                tops = [p[:-1] for p in paths if p.endswith(b"/")]
            else:
                tops = []
            records.extend(("dir", rel) for rel in self._directories(tops))
        return protocol.encode(records)

    def _directories(self, tops):
        """The directories at and below each of *tops* (b"": all): the
        watched ones from the tree in memory (no stat data is read for
        this), and below a directory we cannot watch, whatever the disk
        holds, since no event tells about those."""
        seen = set()
        out = []
        stack = list(reversed(tops))
        while stack:
            rel = stack.pop()
            if rel in seen:
                continue
            seen.add(rel)
            names = self.watch.directories(rel)
            if names is None:
                # gone, or unwatchable: the disk says what is there now
                out.extend(_directories_on_disk(os.fsencode(self.repo.worktree), rel))
                continue
            if rel:
                out.append(rel)
            prefix = rel + b"/" if rel else b""
            below = names + self.watch.unwatchable(rel)
            below.sort(reverse=True)
            stack.extend(prefix + name for name in below)
        return out

    def _listdir(self, path):
        rel = path.strip(b"/") if path not in (b".", b"./") else b""
        entries = self.watch.listdir(rel)
        if entries is None:
            return protocol.encode([("error", "not a watched directory: %s"
                                     % os.fsdecode(path))])
        records = [("version", 1), ("token", self.journal.token())]
        records.extend(("entry", stat_record(st, name)) for name, st in entries)
        return protocol.encode(records)

    def _fetchall(self):
        records = [("version", 1), ("token", self.journal.token())]
        records.extend(("entry", stat_record(st, rel)) for rel, st in self.watch.fetchall())
        return protocol.encode(records)

    # ---- the warm status engine (warm.py) ------------------------------
    def _warm_status(self, msg):
        """`git fswatch-status` answered from memory (see warm.py): the
        reply, or a warm.Child computing it."""
        if self.warm is None:
            from git_fswatch.server import warm
            try:
                self.warm = warm.WarmStatus(self.repo, self.journal, self._let_go)
            except Exception as e:       # no inotify left ...: clients go cold
                trace("daemon: no warm status engine: %s", e)
                return protocol.encode([("version", 1), ("unsupported", str(e))])
        return self.warm.answer(msg, passthrough=_Terminate)

    def _warm_dispatch(self, client, msg):
        reply = self._warm_status(msg)
        if isinstance(reply, bytes):
            return self._answer(client, reply)
        self._wait_for(client, reply)

    def _watch_child(self, child):
        if child not in self.children:
            self.children[child] = []
            self.sel.register(child, selectors.EVENT_READ, child)

    def _wait_for(self, client, child):
        """*client* is answered when *child* ends; the loop serves others."""
        self._watch_child(child)
        self.children[child].append(client)
        client.child = child
        client.deadline = child.deadline + CLIENT_TIMEOUT

    def _child_ready(self, child):
        if not child.read():
            return
        self.sel.unregister(child)
        waiting = self.children.pop(child, [])
        reply = self.warm.finish(child, passthrough=_Terminate)
        if not isinstance(reply, bytes):
            self._watch_child(reply)      # computing again: watch it, whoever waits
        for client in waiting:
            client.child = None
            if client.request[1] is not child.msg:
                # waited for another request's child: ask again now
                self._warm_dispatch(client, client.request[1])
            elif isinstance(reply, bytes):
                self._answer(client, reply)
            else:
                self._wait_for(client, reply)

    def _let_go(self):
        """In a warm engine's child, right after the fork: close what makes
        this process the daemon (its lock, socket and clients), so that
        nothing waits on the child for them."""
        fds = [c.sock.fileno() for c in self.clients.values()]
        if self.listener is not None:
            fds.append(self.listener.lockfd)
            if self.listener.sock is not None:
                fds.append(self.listener.sock.fileno())
        for fd in fds:
            if fd is not None and fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _status(self):
        records = [("version", 1), ("pid", os.getpid()),
                   ("uptime", int(time.time() - self.started)),
                   ("worktree", os.fsencode(self.repo.worktree)),
                   ("instance", self.journal.instance),
                   ("requests", self.requests),
                   ("sync-timeouts", self.sync_timeouts),
                   ("idle-timeout", self.idle_timeout)]
        warm = self.warm.stats if self.warm is not None else {}
        for prefix, stats in (("", self.watch.stats), ("journal-", self.journal.stats),
                              ("", warm)):
            for k, v in stats.items():
                if k == "instance":
                    continue
                if isinstance(v, bool):
                    v = int(v)
                records.append((prefix + _key(k), v))
        return protocol.encode(records)

    def _answer(self, client, data):
        client.out = memoryview(data)
        client.deadline = time.monotonic() + CLIENT_TIMEOUT
        self._write(client)

    def _write(self, client):
        try:
            while client.out:
                n = client.sock.send(client.out)
                client.out = client.out[n:]
        except (BlockingIOError, InterruptedError):
            self._want(client, selectors.EVENT_WRITE)
            return
        except OSError:
            return self._drop(client)     # gone mid-reply: nothing to do
        if client.eof:
            return self._drop(client)
        try:
            client.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self._drop(client)
        self._want(client, selectors.EVENT_READ)

    def _want(self, client, events):
        try:
            self.sel.modify(client.sock, events, client)
        except KeyError:
            self.sel.register(client.sock, events, client)

    def _drop(self, client):
        fd = client.sock.fileno()
        if client.cookie is not None:
            self._remove_cookie(client.cookie)
        if client.child is not None:
            waiting = self.children.get(client.child)
            if waiting and client in waiting:
                waiting.remove(client)    # the child goes on: its cache is wanted
            client.child = None
        if self.sel is not None:
            try:
                self.sel.unregister(client.sock)
            except (KeyError, ValueError):
                pass
        self.clients.pop(fd, None)
        try:
            client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        client.sock.close()
