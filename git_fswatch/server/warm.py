"""The warm status engine: `git fswatch-status` answered by the helper's daemon.

The daemon already knows what changed in the worktree (its journal); this
module keeps, beside it, what a status computation needs besides the
worktree, and the answers it gave, so that a status is answered from memory:

- the status cache of the engine (status/cache.py's Cache: per tracked
  directory results, the index map and the token they correspond to), held
  in memory instead of in ``status.cache``, one per untracked/ignored mode;
- the last answer to each distinct request (argv, cwd, environment, whether
  standard output is a terminal): the exact stdout, stderr and exit code,
  the journal token taken before it was computed, the generation of the git
  dir watch and the identity of the configuration files outside the git dir.

A request is answered from memory only when nothing it depends on can have
changed: the journal reports no path since the answer's token, no event
(but a lock file's creation or removal) arrived in the git dir, the common
dir, or their refs, logs and info directories (GitDirWatch, an inotify
instance of its own), and the configuration and excludes files outside the
git dir have the same identity and are older than RACY seconds (a file
rewritten twice in one timestamp tick could keep its identity).
Anything else - and any doubt - recomputes, with the very code the command
runs cold: cli/status.py's render() and status/engine.py's compute(), run
in-process with the client's environment and working directory, the engine
reading its cache from memory and its changes straight from the journal.
So the bytes are the cold path's by construction.

Requests that could read something we do not watch are answered but not
remembered: an answer that abbreviates an object name (`git rev-parse
--short` ran: a detached HEAD in the long format, a cherry-pick or revert in
progress; new objects can lengthen an abbreviation), configuration with
includes, a journal that names unwatchable directories in every answer.

A computation that would scan the whole worktree (no cache for this index,
HEAD or mode, or the journal says everything) runs in a forked child, which
sends back the answer, the engine's new cache and the memo of git
commands; the daemon serves everyone else meanwhile (a Child is what
answer() returns then).  At most MAX_CHILDREN compute at once; a request
that needs another full scan waits for one of them to end, and is asked
again then.  A child that dies or takes too long answers "unsupported".
Everything else (an answer from memory, a computation from the cache
around a few changed paths: a few milliseconds) is done in the daemon.

The client's standard output being a terminal (for color) is a fact it
sends; render() is given it instead of asking isatty(1) here.

Whatever render() declines (FallBack, Unsupported) answers ``unsupported``:
the client then runs the cold path, which decides for itself.  The helper
itself must be `notify` in the client's configuration, as the cold command
would require it to be.
"""

import contextlib
import mmap
import os
import time

from git_fswatch.watch import inotify
from git_fswatch.wire import protocol
from git_fswatch.trace import trace

ACTION = "warm-status"
# A file changed less than this many seconds ago may change again within
# the same timestamp tick and keep its identity: do not trust it yet.
RACY = 2.0
# How many distinct requests keep their last answer.
MAX_ANSWERS = 32
# At most this many computing children at once: a request that needs
# another full scan meanwhile waits for one of them to end.
MAX_CHILDREN = 2
# Changes in more directories than this are examined in a child too: the
# engine would list each of them again, for longer than a fork costs.
APART_DIRS = 500
# A child still computing after this long is killed, and its clients told
# "unsupported" (they went cold long before: warm_client.TIMEOUT).
CHILD_TIMEOUT = 60.0

# What in the git dir and the common dir can change a status: HEAD, the
# index, refs (and packed-refs), config, info/exclude and info/attributes,
# the reflogs (stash count, detached HEAD names), MERGE_HEAD and the other
# markers of an operation in progress.  Events on these directories (not
# on files deeper down, except below refs/ and logs/) bump the generation.
_GITDIR_MASK = (inotify.IN_MODIFY | inotify.IN_ATTRIB | inotify.IN_CLOSE_WRITE
                | inotify.IN_MOVED_FROM | inotify.IN_MOVED_TO
                | inotify.IN_CREATE | inotify.IN_DELETE
                | inotify.IN_DELETE_SELF | inotify.IN_MOVE_SELF
                | inotify.IN_ONLYDIR | inotify.IN_DONT_FOLLOW)
_RECURSIVE = ("refs", "logs")
_PRIVATE = b"fswatch"


class GitDirWatch:
    """Counts events in the git dir: `generation` changes when any arrives.

    The kernel queues an inotify event before the system call that caused
    it returns, so draining the queue when a request arrives sees every
    change a client made before it asked.  An overflow is an event too.
    """

    def __init__(self, git_dir, common_dir):
        self.generation = 0
        self.events = 0
        self._ino = inotify.Inotify(max_watches=None)
        self._wds = {}
        self._tops = [os.fsencode(git_dir)]
        if os.path.realpath(common_dir) != os.path.realpath(git_dir):
            self._tops.append(os.fsencode(common_dir))
        self._watch_all()

    def _watch_all(self):
        """Watch everything (again: after an overflow, directories made
        meanwhile may lack their watch; the kernel gives a watched
        directory its old descriptor)."""
        for top in self._tops:
            self._add(top, recursive=False)
            for name in (b"info",) + tuple(n.encode() for n in _RECURSIVE):
                self._add(os.path.join(top, name), recursive=name != b"info")

    def _add(self, path, recursive):
        try:
            wd = self._ino.add_watch(path, _GITDIR_MASK)
        except OSError:
            return                        # absent (no logs yet): its parent sees it come
        self._wds[wd] = (path, recursive)
        if recursive:
            try:
                with os.scandir(path) as it:
                    subdirs = [e.path for e in it if e.is_dir(follow_symlinks=False)]
            except OSError:
                return
            for sub in subdirs:
                self._add(sub, True)

    def poll(self):
        """Read every queued event; return the generation."""
        while True:
            events = self._ino.read()
            if not events:
                return self.generation
            for ev in events:
                if ev.mask & inotify.IN_Q_OVERFLOW:
                    self.generation += 1
                    self._watch_all()
                    continue
                path, recursive = self._wds.get(ev.wd, (None, False))
                if path in self._tops and ev.name == _PRIVATE:
                    continue                  # our own directory: sockets, cookies
                if ev.name.endswith(b".lock") and not ev.mask & inotify.IN_MOVED_TO:
                    # git's lock files change nothing until renamed into
                    # place (an event on the real name); git status takes
                    # and drops index.lock each time it runs
                    continue
                self.events += 1
                self.generation += 1
                if ev.mask & inotify.IN_IGNORED:
                    self._wds.pop(ev.wd, None)
                    continue
                if path is None or not ev.name or not ev.mask & inotify.IN_ISDIR:
                    continue
                if ev.mask & (inotify.IN_CREATE | inotify.IN_MOVED_TO):
                    name = ev.name
                    if recursive or (path in self._tops and
                                     name.decode("latin-1") in _RECURSIVE + ("info",)):
                        self._add(os.path.join(path, name), name != b"info" or recursive)

    def close(self):
        self._ino.close()


def _identity(path, now):
    """(identity, trusted) of a file outside the git dir."""
    try:
        st = os.stat(path)
    except OSError as e:
        return ("absent", e.errno), True
    newest = max(st.st_mtime, st.st_ctime)
    return ((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns),
            now - newest >= RACY)


def _xdg(env):
    home = env.get("HOME", "")
    return env.get("XDG_CONFIG_HOME") or (os.path.join(home, ".config") if home else "")


def config_files(env):
    """The configuration files outside the git dir git reads, for the
    client's environment *env*; None stands for one we cannot name."""
    home = env.get("HOME", "")
    xdg = _xdg(env)
    files = [None] if env.get("GIT_CONFIG") else []
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    if env.get("GIT_CONFIG_GLOBAL"):
        files.append(env["GIT_CONFIG_GLOBAL"])
    else:
        if home:
            files.append(os.path.join(home, ".gitconfig"))
        if xdg:
            files.append(os.path.join(xdg, "git", "config"))
    return [f if f is None or os.path.isabs(f) else None for f in files]


def rule_files(env, config):
    """The excludes and attributes files outside the git dir."""
    home = env.get("HOME", "")
    xdg = _xdg(env)
    files = []
    for key, default in (("core.excludesfile", "ignore"), ("core.attributesfile", "attributes")):
        value = (config.get(key) or [None])[-1]
        if value:
            if value.startswith("~/") and home:
                value = os.path.join(home, value[2:])
            files.append(value if os.path.isabs(value) else None)
        elif xdg:
            files.append(os.path.join(xdg, "git", default))
    # the system's attributes, which the engine checks too: a filter
    # appearing there changes every status
    from git_fswatch.status import engine
    return files + engine.system_attributes(env)


class _Answer:
    __slots__ = ("out", "err", "code", "token", "generation", "files", "used")

    def __init__(self, out, err, code, token, generation, files):
        self.out, self.err, self.code = out, err, code
        self.token = token
        self.generation = generation
        self.files = files      # [(path, identity)]
        self.used = 0


class Unsupported(Exception):
    """This request is for the cold path; the message says why."""


def _read_all(fd, size):
    """Everything from *fd* (a regular file of *size* bytes at fstat) to its end."""
    chunks = []
    want = size + 1                     # one more: see the end in one read
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        want = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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
    directories around it (scan.MapTree), but reading the whole file each
    time (8 MB at 100k files, 88 MB at 1M) cost more than all the rest.
    git never writes an index in place: it renames a new file over it.  So
    the file is mapped (read-only, shared: the page cache's pages, of which
    an answer touches the few around the changes, not a private copy), and
    the map serves again while the file has the same device, inode, size,
    mtime, ctime and trailing checksum, all taken from one descriptor.  A
    renamed-over index stays mapped, unchanged, until the map is dropped.
    An index without a checksum (index.skipHash writes zeros there) is
    read every time.  Same contract as index.read_bytes: (bytes-like,
    stat) that describe each other, or (None, None) when there is none.
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
                return _read_all(fd, st.st_size), st
            data = _MappedIndex(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        if len(data) == st.st_size and data[-20:] == trailer:
            self.key, self.data, self.st = key, data, st
        return data, st


class Source:
    """What the engine asks of the outside world, answered in memory: the
    status cache (per untracked/ignored mode), the journal's changes and
    the index's bytes."""

    def __init__(self, journal):
        self.journal = journal
        self.caches = {}
        self.stores = {}          # mode -> how many caches were stored
        self.mode = None
        self.index = IndexBytes()

    def read_index(self, path):
        return self.index.read(path)

    def load(self, repo):
        return self.caches.get(self.mode)

    def store(self, repo, cache):
        self.caches[self.mode] = cache
        self.stores[self.mode] = self.stores.get(self.mode, 0) + 1
        return True

    def changed_since(self, repo, token):
        from git_fswatch.client import api
        paths, reason = self.journal.since(token)
        if paths is None:
            return api.Changes(self.journal.token(), True, [], reason)
        return api.Changes(self.journal.token(), False, list(paths), None)


@contextlib.contextmanager
def _engine_reads(source):
    """Point the engine's cache, API and index reads at *source* for one
    compute().

    The daemon is one thread and nothing else in it computes a status, so
    the swap is seen by this compute() only.  (A seam in engine.compute for
    this is asked for; see the report.)
    """
    from git_fswatch.client import api
    from git_fswatch.status import cache
    from git_fswatch.repo import index as ix
    swaps = [(cache, "load", source.load), (cache, "store", source.store),
             (api, "changed_since", source.changed_since)]
    if hasattr(ix, "read_bytes"):
        swaps.append((ix, "read_bytes", source.read_index))
    saved = [(module, name, getattr(module, name)) for module, name, _ in swaps]
    for module, name, value in swaps:
        setattr(module, name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


# git commands whose output depends only on their arguments, working
# directory and environment, the git dir and the configuration files: while
# none of these changes, running one again would print the same.
_READ_ONLY = {("config", "-z", "--list"), ("rev-parse",), ("diff-index", "--cached"),
              ("for-each-ref",)}


def _read_only(cmd):
    if not cmd or cmd[0] != "git":
        return False
    return any(tuple(cmd[1:1 + len(p)]) == p for p in _READ_ONLY)


class GitMemo:
    """Remembers what read-only git commands printed, for one context (the
    git dir's generation and the identity of the configuration files);
    a new context forgets everything.  `rev-parse --short` is not
    remembered: new objects can lengthen an abbreviation."""

    def __init__(self):
        self.context = None
        self.results = {}
        self.hits = 0
        self.abbreviated = False   # a `--short` ran in the last active()

    def enter(self, context):
        if context is None or context != self.context:
            self.results = {}
        self.context = context

    @contextlib.contextmanager
    def active(self):
        """subprocess.run() through the memo, for one compute()."""
        import subprocess
        real = subprocess.run
        memo = self

        def run(cmd, *args, **kw):
            if isinstance(cmd, (list, tuple)) and cmd[:1] == ["git"] and "--short" in cmd:
                memo.abbreviated = True
            if memo.context is None or args or not _read_only(cmd) or "--short" in cmd \
                    or kw.get("input") is not None or kw.get("check"):
                return real(cmd, *args, **kw)
            env = kw.get("env")
            key = (tuple(cmd), kw.get("cwd") or os.getcwd(),
                   tuple(sorted((env if env is not None else os.environ).items())),
                   kw.get("stdout"), kw.get("stderr"))
            done = memo.results.get(key)
            if done is None:
                done = memo.results[key] = real(cmd, **kw)
            else:
                memo.hits += 1
            return subprocess.CompletedProcess(done.args, done.returncode,
                                               done.stdout, done.stderr)

        memo.abbreviated = False
        subprocess.run = run
        try:
            yield
        finally:
            subprocess.run = real


@contextlib.contextmanager
def _client_process(env, cwd):
    """Run with the client's environment and working directory."""
    saved_env = dict(os.environ)
    here = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.fchdir(here)
        os.close(here)


def _decode_env(values):
    env = {}
    for item in values:
        k, eq, v = item.partition(b"=")
        if eq and k:
            env[os.fsdecode(k)] = os.fsdecode(v)
    return env


# Variables that point git at another repository, index or object store, or
# change how it finds one: the cold path handles them (or git does).
_FOREIGN = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
            "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
            "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS", "GIT_GRAFT_FILE",
            "GIT_SHALLOW_FILE", "GIT_OPTIONAL_LOCKS")


class _GoApart(Exception):
    """Raised in the daemon, before the engine starts, when it would scan
    the whole worktree: that computation runs in a child instead."""

    def __init__(self, why, mode):
        Exception.__init__(self, why)
        self.mode = mode


class Child:
    """A computation in a forked child, for one request.

    The daemon watches it (fileno(): the pipe the child writes its result
    to), calls read() whenever it is readable and, once read() says the
    child is done, WarmStatus.finish().  `msg` is the request that started
    it; the answer computed is that request's.
    """

    def __init__(self, pid, fd, key, request, msg, token, generation, attempt, mode,
                 stores, memo_hits):
        self.pid, self.fd = pid, fd
        self.chunks = []
        self.key, self.request, self.msg = key, request, msg
        self.token, self.generation, self.attempt = token, generation, attempt
        self.mode = mode
        self.stores = stores              # Source.stores[mode] at the fork
        self.memo_hits = memo_hits
        self.started = time.monotonic()
        self.deadline = self.started + CHILD_TIMEOUT
        self.killed = None                # why we killed it

    def fileno(self):
        return self.fd

    def read(self):
        """Read what the child sent so far; True once it is all there."""
        try:
            chunk = os.read(self.fd, 1 << 20)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        if not chunk:
            return True
        self.chunks.append(chunk)
        return False

    def kill(self, why):
        import signal
        self.killed = why
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def reap(self):
        """Close the pipe and wait for the child: its wait status."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return 0


def _exit_reason(status):
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status):
        return "exit code %d" % os.WEXITSTATUS(status)
    return None


def _die_with_parent(parent):
    """In a child: be killed when the daemon dies (it holds nothing the
    next daemon could use, and its answer would reach nobody)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _test_hold():
    """GIT_FSWATCH_TEST_WARM_CHILD_HOLD=<dir>, for tests that must catch a
    child at work without sleeping: it writes its pid as a line to the fifo
    <dir>/pids, then reads a line from the fifo <dir>/gate before it starts
    (the test holds both open, so neither open() waits)."""
    hold = os.environ.get("GIT_FSWATCH_TEST_WARM_CHILD_HOLD")
    if not hold:
        return
    with open(os.path.join(hold, "pids"), "w") as f:
        f.write("%d\n" % os.getpid())
    with open(os.path.join(hold, "gate"), "rb", buffering=0) as f:
        while f.read(1) not in (b"\n", b""):
            pass


class WarmStatus:
    """The daemon's status engine; answer() takes a synced request.

    answer() returns the reply, or a Child: a full scan computing in a
    forked child, which the daemon watches while it serves others.  The
    child's own request is answered by finish(child); any other request
    that waited on it asks answer() again then (from memory if nothing
    changed since the child's token, else computed again, cheaply, on the
    cache the child left).
    """

    def __init__(self, repo, journal):
        self.repo = repo
        self.journal = journal
        self.source = Source(journal)
        self.gitdir = GitDirWatch(repo.git_dir, repo.common_dir)
        self.answers = {}
        self.memo = GitMemo()
        self.children = {}        # request key -> Child
        # Called in a child right after the fork (the daemon lets go of its
        # lock, socket and clients there).
        self.after_fork = None
        self.hits = 0
        self.computed = 0
        self.declined = 0
        self.forked = 0
        self.children_failed = 0

    def close(self):
        """Kill and reap the children; stop watching the git dir."""
        for child in list(self.children.values()):
            child.kill("the daemon is exiting")
            child.reap()
        self.children.clear()
        self.gitdir.close()

    @property
    def stats(self):
        return {"warm-hits": self.hits, "warm-computed": self.computed,
                "warm-declined": self.declined, "warm-gitdir-events": self.gitdir.events,
                "warm-git-memo-hits": self.memo.hits,
                "warm-index-reads": self.source.index.reads,
                "warm-index-hits": self.source.index.hits,
                "warm-children": len(self.children),
                "warm-children-forked": self.forked,
                "warm-children-failed": self.children_failed}

    def answer(self, msg, passthrough=()):
        """The reply (encoded message) to a synced warm-status request, or
        a Child whose end the request waits for.

        Exceptions of the *passthrough* types (the daemon's "terminate")
        go through; any other is a bug of ours, and answers unsupported.
        """
        return self._guard(self._answer, (msg,), passthrough)

    def finish(self, child, passthrough=()):
        """The reply to the request that started *child*, which has ended
        (Child.read() said so), or another Child computing it again."""
        return self._guard(self._finish, (child,), passthrough)

    def _guard(self, fn, args, passthrough):
        try:
            got = fn(*args)
        except passthrough:
            raise
        except Unsupported as e:
            self.declined += 1
            trace("warm: unsupported: %s", e)
            return protocol.encode([("version", 1), ("unsupported", str(e))])
        except Exception as e:           # a bug of ours: the client goes cold
            self.declined += 1
            trace("warm: internal error: %s: %s", type(e).__name__, e)
            return protocol.encode([("version", 1), ("unsupported", "internal error: %s: %s"
                                                     % (type(e).__name__, e))])
        if isinstance(got, Child):
            return got
        out, err, code, how = got
        trace("warm: %s (%d bytes)", how, len(out))
        records = [("version", 1), ("exit", code), ("how", how)]
        records.extend(("out", part) for part in out.split(b"\0"))
        records.extend(("err", part) for part in err.split(b"\0"))
        return protocol.encode(records)

    def _request(self, msg):
        try:
            argv = [os.fsdecode(a) for a in msg.getall("arg")]
            cwd = os.fsdecode(msg.get("cwd") or b"")
            env = _decode_env(msg.getall("env"))
            tty = msg.get("stdout-tty", b"0") != b"0"
        except (UnicodeError, ValueError):
            raise Unsupported("undecodable request")
        if not os.path.isabs(cwd):
            raise Unsupported("no working directory")
        for name in _FOREIGN:
            if name in env:
                raise Unsupported("%s is set" % name)
        git_dir = os.fsdecode(msg.get("git-dir") or b"")
        if not git_dir or os.path.realpath(git_dir) != os.path.realpath(self.repo.git_dir):
            raise Unsupported("the client found another git dir")
        return argv, cwd, env, tty

    def _answer(self, msg):
        request = self._request(msg)
        argv, cwd, env, tty = request
        key = (tuple(argv), cwd, tuple(sorted(env.items())), tty)
        generation = self.gitdir.poll()
        old = self.answers.get(key)
        why = self._changed(old, generation) if old is not None else "a new request"
        if why is None:
            self.hits += 1
            old.used = time.monotonic()
            return old.out, old.err, old.code, "from memory"
        child = self.children.get(key)
        if child is not None:
            trace("warm: the same request is computing in child %d; waiting", child.pid)
            return child
        trace("warm: computing: %s", why)
        self.answers.pop(key, None)
        return self._attempt(key, request, msg, generation, 0)

    def _attempt(self, key, request, msg, generation, attempt):
        """Compute *request* here, or start a child that computes it."""
        argv, cwd, env, tty = request
        # The token first: the answer covers every change after it.
        token = self.journal.token()
        try:
            got = self._compute(argv, cwd, env, tty, generation, apart=True)
        except _GoApart as e:
            same = [c for c in self.children.values() if c.mode == e.mode]
            busy = same or (list(self.children.values())
                            if len(self.children) >= MAX_CHILDREN else [])
            if busy:
                child = min(busy, key=lambda c: c.started)
                trace("warm: a full scan (%s); waiting for child %d first", e, child.pid)
                return child
            trace("warm: a full scan (%s): in a child", e)
            child = self._fork(key, request, msg, token, generation, attempt, e.mode)
            if child is not None:
                return child
            got = self._compute(argv, cwd, env, tty, generation)
        return self._settle(key, request, msg, token, generation, attempt, got, "computed")

    def _settle(self, key, request, msg, token, generation, attempt, got, how):
        """Keep the answer *got* computed since *token*, if the git dir
        stayed as it was throughout; else compute again."""
        out, err, code, keep, files = got
        self.computed += 1
        # One git dir throughout (the engine's own check that HEAD and
        # the index stayed put asks git through the memo).
        now = self.gitdir.poll()
        if now != generation:
            if attempt >= 2:
                raise Unsupported("the git dir keeps changing")
            trace("warm: the git dir changed during the computation; again")
            return self._attempt(key, request, msg, now, attempt + 1)
        if keep:
            answer = _Answer(out, err, code, token, generation, files)
            answer.used = time.monotonic()
            self.answers[key] = answer
            while len(self.answers) > MAX_ANSWERS:
                oldest = min(self.answers, key=lambda k: self.answers[k].used)
                del self.answers[oldest]
        return out, err, code, how

    def _changed(self, old, generation):
        """Why the remembered answer *old* may be stale, or None."""
        if old.generation != generation:
            return "the git dir changed"
        paths, reason = self.journal.since(old.token)
        if paths is None:
            return "the journal says everything (%s)" % reason
        if paths:
            return "%d path(s) changed, e.g. %r" % (len(paths), paths[0])
        now = time.time()
        for path, identity in old.files:
            now_identity, trusted = _identity(path, now)
            if now_identity != identity:
                return "%s changed" % path
            if not trusted:
                return "%s changed lately" % path
        return None

    def _compute(self, argv, cwd, env, tty, generation, apart=False):
        """(out, err, code, keep, files): render() as the command runs it.
        With *apart*, raise _GoApart instead of starting a full scan."""
        from git_fswatch.client import helpers as helper_config
        from git_fswatch.repo import discover
        from git_fswatch.cli import status as cmd
        from git_fswatch.status import engine
        from git_fswatch.status.model import Unsupported as EngineUnsupported

        for arg in argv:
            if arg == "--":
                break
            if arg in ("-h", "--help-all"):
                raise Unsupported("help")
        now = time.time()
        files = []
        keep = True
        for path in config_files(env):
            if path is None:
                keep = False
                continue
            identity, trusted = _identity(path, now)
            files.append((path, identity))
            keep = keep and trusted
        self.memo.enter((generation, tuple(files)) if keep else None)
        with _client_process(env, cwd), self.memo.active():
            try:
                repo = discover.discover()
            except discover.NotARepository as e:
                raise Unsupported("not in a worktree: %s" % e)
            if repo != self.repo:
                raise Unsupported("the client is in another worktree")
            try:
                config = cmd.read_config()
            except cmd.FallBack as e:
                raise Unsupported(str(e))
            helper = (config.get(helper_config.KEY.lower()) or [None])[-1]
            resolved = helper_config.resolve(helper)
            if resolved is None or not resolved.builtin:
                raise Unsupported("core.fswatchHelper is not notify")
            for path in rule_files(env, config):
                if path is None:
                    keep = False
                    continue
                identity, trusted = _identity(path, now)
                files.append((path, identity))
                keep = keep and trusted
            if any(k.startswith(("include.", "includeif.")) for k in config):
                keep = False          # included files could be anywhere:
                self.memo.enter(None)  # read the config again each time

            def compute(repo, req):
                mode = self.source.mode = (req.untracked, req.ignored)
                if apart:
                    why = self._full_scan_ahead(engine, repo, req, mode)
                    if why:
                        raise _GoApart(why, mode)
                with _engine_reads(self.source):
                    return engine.compute(repo, req)

            # Color as the client's standard output decides it, not this
            # process's (/dev/null, or a terminal when run by hand); git's
            # pager counts as a terminal, as in color.want_color().
            from git_fswatch.status import color
            try:
                isatty = tty or (color._pager_in_use() and color._pager_color(config))
            except EngineUnsupported as e:
                raise Unsupported(str(e))
            try:
                out = cmd.render(repo, argv, compute, isatty)
            except (cmd.FallBack, EngineUnsupported) as e:
                raise Unsupported(str(e))
            if self.memo.abbreviated:
                # an abbreviated object name (a detached HEAD, a pick in
                # progress): new objects, which nothing here watches, can
                # lengthen it
                keep = False
        return out, b"", 0, keep, files

    def _full_scan_ahead(self, engine, repo, req, mode):
        """Why the engine would scan the whole worktree for *req* now, or
        None.  A guess from the cache it would find and the key it would
        want (engine.compute decides for itself): it only decides where
        the computation runs.  Called in the client's environment, with
        git commands going through the memo."""
        from git_fswatch.repo import index as ix
        cache = self.source.caches.get(mode)
        if cache is None:
            return "no status cache for this mode"
        if getattr(cache, "index_map", None) is None:
            return "the status cache has no index map"
        identity = ix.read_identity(os.path.join(self.repo.git_dir, "index"))
        if cache.key.get("index") != identity:
            return "the index changed"
        paths, reason = self.journal.since(cache.token)
        if paths is None:
            return "the journal says everything (%s)" % reason
        dirs = set()
        for p in paths:
            q = p.rstrip(b"/")
            if not q or q.rpartition(b"/")[2] in (b".gitignore", b".gitattributes"):
                return "rules changed: %r" % p
            dirs.add(q if q != p else q.rpartition(b"/")[0])
        if len(dirs) > APART_DIRS:
            return "changes in %d directories" % len(dirs)
        try:
            head = engine.head_commit(repo.worktree)
            key = engine.cache_key(repo, engine.Config.read(repo.worktree), identity,
                                   head, req)
        except Exception as e:           # the engine will say, or it changed
            trace("warm: cannot guess the cache key: %s: %s", type(e).__name__, e)
            return None
        for k in key:
            if cache.key.get(k) != key[k]:
                return "the cache was made under another %s" % k
        return None

    def _fork(self, key, request, msg, token, generation, attempt, mode):
        """Start a child that computes *request* and sends back the answer,
        the engine's new cache and the memo of git commands; None when no
        child can be made.

        A full scan parses every index entry: at a million files that is
        half a gigabyte that Python keeps long after it is freed, and
        seconds during which the daemon would serve nobody.  The child's
        memory goes back to the system when it exits, and the daemon keeps
        serving meanwhile.
        """
        import pickle
        r, w = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError as e:
            os.close(r)
            os.close(w)
            trace("warm: cannot fork (%s): computing here", e)
            return None
        if pid == 0:                        # pragma: no cover (the child)
            code = 0
            try:
                import signal
                os.close(r)
                for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                    signal.signal(signum, signal.SIG_DFL)
                _die_with_parent(parent)
                if self.after_fork is not None:
                    self.after_fork()
                _test_hold()
                argv, cwd, env, tty = request
                try:
                    got = self._compute(argv, cwd, env, tty, generation)
                    mode = self.source.mode
                    result = ("ok", got, mode, self.source.caches.get(mode),
                              self.memo.context, self.memo.results, self.memo.hits)
                except Unsupported as e:
                    result = ("unsupported", str(e))
                except Exception as e:
                    result = ("error", "%s: %s" % (type(e).__name__, e))
                data = memoryview(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
                while data:
                    data = data[os.write(w, data):]
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        os.set_blocking(r, False)
        self.forked += 1
        child = Child(pid, r, key, request, msg, token, generation, attempt, mode,
                      self.source.stores.get(mode, 0), self.memo.hits)
        self.children[key] = child
        trace("warm: child %d computes", pid)
        return child

    def _finish(self, child):
        import pickle
        if self.children.get(child.key) is child:
            del self.children[child.key]
        status = child.reap()
        data = b"".join(child.chunks)
        child.chunks = []
        why = child.killed or _exit_reason(status)
        if why or not data:
            self.children_failed += 1
            raise Unsupported("the computing child failed: %s" % (why or "no answer"))
        try:
            result = pickle.loads(data)
        except Exception as e:
            self.children_failed += 1
            raise Unsupported("the computing child failed: %s" % e)
        if result[0] == "unsupported":
            raise Unsupported(result[1])
        if result[0] != "ok":
            raise Unsupported("internal error in the computing child: %s" % result[1])
        _, got, mode, cache, context, results, hits = result
        # Unless a newer cache was made here meanwhile (any cache is right
        # for its token; a newer one saves work).
        if cache is not None and self.source.stores.get(mode, 0) == child.stores:
            self.source.caches[mode] = cache
            self.source.stores[mode] = child.stores + 1
        if self.memo.context is None or context == self.memo.context:
            self.memo.context = context
            self.memo.results.update(results)
        self.memo.hits += hits - child.memo_hits
        trace("warm: child %d done", child.pid)
        return self._settle(child.key, child.request, child.msg, child.token,
                            child.generation, child.attempt, got, "computed apart")
