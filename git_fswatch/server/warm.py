"""The warm status host: `git fswatch-status` answered by the helper's daemon.

The daemon already knows what changed in the worktree (its journal); this
module keeps, beside it, what a status computation needs besides the
worktree, and the answers it gave, so that a status is answered from memory:

- the status caches of the engine, one per untracked/ignored mode, in
  memory instead of in ``status.cache`` (server/warm_inputs.py);
- the last answer to each distinct request (argv, cwd, environment, whether
  standard output is a terminal): the exact stdout, stderr and exit code,
  the journal token taken before it was computed, the generation of the git
  dir watch and the identity of the configuration files outside the git dir.

A request is answered from memory only when nothing it depends on can have
changed: the journal reports no path since the answer's token, no event
(but a lock file's creation or removal) arrived in the git dir, the common
dir, or their refs, logs and info directories (server/gitdir_watch.py), and
the configuration and excludes files outside the git dir have the same
identity and are older than RACY seconds (a file rewritten twice in one
timestamp tick could keep its identity).  Anything else, and any doubt,
recomputes with the very code the command runs cold, status/render.py's
render(), given the daemon's inputs (MemoryInputs: the client's environment
and working directory, git commands through a memo, the caches in memory,
the journal's changes).  So the bytes are the cold path's by construction.

Requests that could read something we do not watch are answered but not
remembered: an answer that abbreviates an object name (`git rev-parse
--short` ran: a detached HEAD in the long format, a cherry-pick or revert in
progress; new objects can lengthen an abbreviation), configuration with
includes.

A computation that would scan the whole worktree (engine.full_scan_reason:
no cache for this index, HEAD or mode, or the journal says everything) runs
in a forked child (forked.py), which sends back the answer, the engine's
new cache and the memo of git commands; the daemon serves everyone else
meanwhile (a Child is what answer() returns then).  At most MAX_CHILDREN
compute at once; a request that needs another full scan waits for one of
them to end, and is asked again then.  A child that dies or takes too long
answers "unsupported".  Everything else (an answer from memory, a
computation from the cache around a few changed paths: a few milliseconds)
is done in the daemon.

Whatever declines answers ``unsupported``: the client then runs the cold
path, which decides for itself.  The helper itself must be `notify` in the
client's configuration, as the cold command would require it to be.
"""

import os
import pickle
import time

from git_fswatch import forked
from git_fswatch.decline import Decline
from git_fswatch.repo import discover, envvars, helpers
from git_fswatch.repo.git import Git, Memo
from git_fswatch.server.gitdir_watch import GitDirWatch
from git_fswatch.server.warm_inputs import Caches, IndexBytes, MemoryInputs
from git_fswatch.status import checks, engine
from git_fswatch.status.render import render
from git_fswatch.trace import event
from git_fswatch.wire import protocol

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
# "unsupported" (they went cold long before: client/warm.py's TIMEOUT).
CHILD_TIMEOUT = 60.0


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


def rule_files(env, config, worktree):
    """The excludes and attributes files outside the git dir: the ones the
    engine reads or checks (status/checks.py)."""
    files = [checks.excludes_file(config, worktree, env)]
    value = config.get("core.attributesfile")
    if value:
        path = checks.expand_user(value, env)
        files.append(path if os.path.isabs(path) else None)
    else:
        files.append(checks.user_attributes(env))
    return files + checks.system_attributes(env)


class _Answer:
    __slots__ = ("out", "err", "code", "token", "generation", "files", "used")

    def __init__(self, out, err, code, token, generation, files):
        self.out, self.err, self.code = out, err, code
        self.token = token
        self.generation = generation
        self.files = files      # [(path, identity)]
        self.used = time.monotonic()


class _GoApart(Exception):
    """Raised in the daemon, before the engine starts, when it would scan
    the whole worktree: that computation runs in a child instead."""

    def __init__(self, why, mode):
        Exception.__init__(self, why)
        self.mode = mode


def _decode_env(values):
    env = {}
    for item in values:
        k, eq, v = item.partition(b"=")
        if eq and k:
            env[os.fsdecode(k)] = os.fsdecode(v)
    return env


class Request:
    """A warm-status request, decoded: argv, cwd, env, tty (whether the
    client's standard output is a terminal), and the message it came in."""

    def __init__(self, msg):
        try:
            self.argv = [os.fsdecode(a) for a in msg.getall("arg")]
            self.cwd = os.fsdecode(msg.get("cwd") or b"")
            self.env = _decode_env(msg.getall("env"))
            self.tty = msg.get("stdout-tty", b"0") != b"0"
            self.git_dir = os.fsdecode(msg.get("git-dir") or b"")
        except (UnicodeError, ValueError):
            raise Decline("warm-request", "undecodable request")
        self.msg = msg
        self.key = (tuple(self.argv), self.cwd, tuple(sorted(self.env.items())), self.tty)


class Child(forked.Child):
    """A computation in a forked child, for one request.

    The daemon watches it (fileno(): the pipe the child writes its result
    to), calls read() whenever it is readable and, once read() says the
    child is done, WarmStatus.finish().
    """

    def __init__(self, child, request, token, generation, attempt, mode, stores,
                 memo_hits):
        forked.Child.__init__(self, child.pid, child.fd)
        self.request = request
        self.msg = request.msg
        self.token, self.generation, self.attempt = token, generation, attempt
        self.mode = mode
        self.stores = stores              # Caches.stores[mode] at the fork
        self.memo_hits = memo_hits
        self.started = time.monotonic()
        self.deadline = self.started + CHILD_TIMEOUT


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

    def __init__(self, repo, journal, after_fork=None):
        self.repo = repo
        self.journal = journal
        self.caches = Caches()
        self.index = IndexBytes()
        self.gitdir = GitDirWatch(repo.git_dir, repo.common_dir)
        self.answers = {}
        self.memo = Memo()
        self.children = {}        # request key -> Child
        # Called in a child right after the fork (the daemon lets go of its
        # lock, socket and clients there).
        self.after_fork = after_fork
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
                "warm-index-reads": self.index.reads,
                "warm-index-hits": self.index.hits,
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
        except Decline as e:
            self.declined += 1
            event("warm.decline", code=e.code, detail=e.detail)
            return protocol.encode([("version", 1), ("unsupported", str(e)),
                                    ("decline", e.code)])
        except Exception as e:           # a bug of ours: the client goes cold
            self.declined += 1
            event("warm.internal-error", error="%s: %s" % (type(e).__name__, e))
            return protocol.encode([("version", 1), ("unsupported", "internal error: %s: %s"
                                                     % (type(e).__name__, e)),
                                    ("decline", "internal-error")])
        if isinstance(got, Child):
            return got
        out, err, code, how = got
        event("warm.answer", how=how, size=len(out))
        records = [("version", 1), ("exit", code), ("how", how)]
        records.extend(("out", part) for part in out.split(b"\0"))
        records.extend(("err", part) for part in err.split(b"\0"))
        return protocol.encode(records)

    def _request(self, msg):
        request = Request(msg)
        if not os.path.isabs(request.cwd):
            raise Decline("warm-request", "no working directory")
        foreign = envvars.foreign(request.env)
        if foreign:
            raise Decline(foreign, "%s is set" % foreign)
        if not request.git_dir or \
                os.path.realpath(request.git_dir) != os.path.realpath(self.repo.git_dir):
            raise Decline("another-worktree", "the client found another git dir")
        return request

    def _answer(self, msg):
        request = self._request(msg)
        generation = self.gitdir.poll()
        old = self.answers.get(request.key)
        why = self._changed(old, generation) if old is not None else "a new request"
        if why is None:
            self.hits += 1
            old.used = time.monotonic()
            return old.out, old.err, old.code, "from memory"
        child = self.children.get(request.key)
        if child is not None:
            event("warm.wait", child=child.pid, why="the same request is computing")
            return child
        event("warm.compute", why=why)
        self.answers.pop(request.key, None)
        return self._attempt(request, generation, 0)

    def _attempt(self, request, generation, attempt):
        """Compute *request* here, or start a child that computes it."""
        # The token first: the answer covers every change after it.
        token = self.journal.token()
        try:
            got = self._compute(request, generation, apart=True)
        except _GoApart as e:
            same = [c for c in self.children.values() if c.mode == e.mode]
            busy = same or (list(self.children.values())
                            if len(self.children) >= MAX_CHILDREN else [])
            if busy:
                child = min(busy, key=lambda c: c.started)
                event("warm.wait", child=child.pid, why=str(e))
                return child
            event("warm.apart", why=str(e))
            child = self._fork(request, token, generation, attempt, e.mode)
            if child is not None:
                return child
            got = self._compute(request, generation)
        return self._settle(request, token, generation, attempt, got, "computed")

    def _settle(self, request, token, generation, attempt, got, how):
        """Keep the answer *got* computed since *token*, if the git dir
        stayed as it was throughout; else compute again."""
        out, err, code, keep, files = got
        self.computed += 1
        # One git dir throughout (the engine's own check that HEAD and
        # the index stayed put asks git through the memo).
        now = self.gitdir.poll()
        if now != generation:
            if attempt >= 2:
                raise Decline("racing-index", "the git dir keeps changing")
            event("warm.retry", why="the git dir changed during the computation")
            return self._attempt(request, now, attempt + 1)
        if keep:
            self.answers[request.key] = _Answer(out, err, code, token, generation, files)
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

    def _files(self, paths, now, files):
        """Note the identity of each of *paths* in *files*; False if one
        cannot be trusted to tell a change (unnamed, or changed lately)."""
        keep = True
        for path in paths:
            if path is None:
                keep = False
                continue
            identity, trusted = _identity(path, now)
            files.append((path, identity))
            keep = keep and trusted
        return keep

    def _compute(self, request, generation, apart=False):
        """(out, err, code, keep, files): render() as the command runs it.
        With *apart*, raise _GoApart instead of starting a full scan."""
        for arg in request.argv:
            if arg == "--":
                break
            if arg in ("-h", "--help-all"):
                raise Decline("help", "help")
        now = time.time()
        files = []
        keep = self._files(config_files(request.env), now, files)
        self.memo.enter((generation, tuple(files)) if keep else None)
        self.memo.clear_marks()
        git = Git(request.env, request.cwd, self.memo)
        inputs = MemoryInputs(request.env, request.cwd, request.tty, git, self.caches,
                              self.journal, self.index)
        try:
            repo = discover.discover(git)
        except discover.NotARepository as e:
            raise Decline("not-a-worktree", str(e))
        if repo != self.repo:
            raise Decline("another-worktree", "the client is in another worktree")
        config = inputs.config()
        helper = helpers.helper_for(config)
        if helper is None or not helper.builtin:
            raise Decline("helper", "core.fswatchHelper is not notify")
        keep = self._files(rule_files(request.env, config, repo.worktree), now, files) \
            and keep
        if any(k.startswith(("include.", "includeif.")) for k in config.keys()):
            keep = False          # included files could be anywhere:
            self.memo.enter(None)  # read the config again each time

        def compute(repo, req, inputs):
            if apart:
                why = engine.full_scan_reason(repo, req, inputs, APART_DIRS)
                if why:
                    raise _GoApart(why[1], req.mode)
            return engine.compute(repo, req, inputs)

        out, _ = render(repo, request.argv, inputs, compute)
        if self.memo.abbreviated:
            # an abbreviated object name (a detached HEAD, a pick in
            # progress): new objects, which nothing here watches, can
            # lengthen it
            keep = False
        return out, b"", 0, keep, files

    def _fork(self, request, token, generation, attempt, mode):
        """Start a child that computes *request* and sends back the answer,
        the engine's new cache and the memo of git commands; None when no
        child can be made.

        A full scan parses every index entry: at a million files that is
        half a gigabyte that Python keeps long after it is freed, and
        seconds during which the daemon would serve nobody.  The child's
        memory goes back to the system when it exits, and the daemon keeps
        serving meanwhile.
        """
        parent = os.getpid()

        def before():
            _die_with_parent(parent)
            if self.after_fork is not None:
                self.after_fork()
            _test_hold()

        def compute():
            got = self._compute(request, generation)
            return (got, self.caches.get(mode), self.memo.context, self.memo.results,
                    self.memo.hits)

        started = forked.start(compute, lambda o: pickle.dumps(o, pickle.HIGHEST_PROTOCOL),
                               before=before,
                               close_fds=[c.fd for c in self.children.values()])
        if started is None:
            event("warm.fork-failed")
            return None
        started.set_blocking(False)
        self.forked += 1
        child = Child(started, request, token, generation, attempt, mode,
                      self.caches.stores.get(mode, 0), self.memo.hits)
        self.children[request.key] = child
        event("warm.child", child=child.pid)
        return child

    def _finish(self, child):
        if self.children.get(child.request.key) is child:
            del self.children[child.request.key]
        try:
            got, cache, context, results, hits = child.outcome(pickle.loads)
        except forked.ChildFailed as e:
            self.children_failed += 1
            raise Decline("warm-child", "the computing child failed: %s" % e)
        # Unless a newer cache was made here meanwhile (any cache is right
        # for its token; a newer one saves work).
        if cache is not None and self.caches.stores.get(child.mode, 0) == child.stores:
            self.caches.caches[child.mode] = cache
            self.caches.stores[child.mode] = child.stores + 1
        if self.memo.context is None or context == self.memo.context:
            self.memo.context = context
            self.memo.results.update(results)
        self.memo.hits += hits - child.memo_hits
        event("warm.child-done", child=child.pid)
        return self._settle(child.request, child.token, child.generation, child.attempt,
                            got, "computed apart")
