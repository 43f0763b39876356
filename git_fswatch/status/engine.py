"""The status engine: index, HEAD and worktree to the entries of a Status.

compute() fills Status.changes, .unmerged, .untracked and .ignored exactly
as `git status` would compute them, or raises model.Unsupported, after which
the command runs the real `git status`.  Two ways to the same answer:

- the full scan: every tracked directory is listed and compared (scan.py);
- the accelerated path: the fswatch API says which paths changed since the
  token kept in the status cache (cache.py); only the tracked directories
  around those paths are examined again, the rest comes from the cache.

The staged side (HEAD against the index) comes from `git diff-index --cached`
with the rename options git status uses, so that rename pairing and scores
are git's own.
"""

import gc
import os
import subprocess
from dataclasses import dataclass, field
from typing import List

from git_fswatch.repo import index as ix
from git_fswatch.status import parallel
from git_fswatch.status import pathspec
from git_fswatch.status import scan
from git_fswatch.status.model import Change, Status, Unmerged, Unsupported, ZERO_OID
from git_fswatch.trace import trace

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

# How the last compute() in this process found the worktree side: "full" or
# "cache" (for the tests, which must know that they exercised both).
last_path = None


@dataclass
class Request:
    untracked: str = "normal"      # "no" | "normal" | "all"
    ignored: str = "no"            # "no" | "traditional" | "matching"
    pathspecs: List[str] = field(default_factory=list)
    prefix: str = ""               # cwd relative to the worktree top: "" or "sub/dir/"
    renames: bool = True           # staged rename detection
    rename_score: int = 50         # -M<n> / --find-renames=<n>, percent
    copies: bool = False           # status.renames=copies
    ignore_submodules: str = "none"  # "none" | "untracked" | "dirty" | "all"
    use_helper: bool = True        # False: never ask the fswatch API (full scan)


# -- configuration the engine cannot honour ---------------------------------
def _config_bool(cfg, name, default):
    try:
        return cfg.get_bool(name)
    except (KeyError, ValueError):
        return default


def check_config(cfg):
    """Raise Unsupported for configuration that changes what status compares."""
    for name in ("core.autocrlf",):
        if name in cfg and cfg[name].lower() not in ("false", "no", "off", "0"):
            raise Unsupported("%s is set" % name)
    if "core.eol" in cfg and cfg["core.eol"].lower() not in ("native", "lf"):
        raise Unsupported("core.eol is set")
    if not _config_bool(cfg, "core.filemode", True):
        raise Unsupported("core.fileMode is false")
    if not _config_bool(cfg, "core.symlinks", True):
        raise Unsupported("core.symlinks is false")
    # git then trusts stat data that leave out the ctime (and with
    # checkStat=minimal the inode, owner and nanoseconds): a file rewritten
    # with its size and mtime kept is clean to git, modified to us
    if not _config_bool(cfg, "core.trustctime", True):
        raise Unsupported("core.trustCtime is false")
    if "core.checkstat" in cfg and cfg["core.checkstat"] != "default":
        raise Unsupported("core.checkStat is %s" % cfg["core.checkstat"])
    if _config_bool(cfg, "core.ignorecase", False):
        raise Unsupported("core.ignoreCase is true")
    if _config_bool(cfg, "core.precomposeunicode", False):
        raise Unsupported("core.precomposeUnicode is true")
    if "core.attributesfile" in cfg:
        raise Unsupported("core.attributesFile is set")
    if "extensions.objectformat" in cfg and cfg["extensions.objectformat"] != "sha1":
        raise Unsupported("object format %s" % cfg["extensions.objectformat"])


def check_tree_attributes(path):
    """check_attributes() for a .gitattributes file of the worktree."""
    if os.path.islink(path):
        # git (2.32 and later) does not follow it, and warns on standard
        # error whenever it reads attributes there, which depends on what
        # it happens to hash
        raise Unsupported("a symlinked .gitattributes")
    check_attributes(path)


_CONTENT_ATTRS = (b"text", b"eol", b"filter", b"ident", b"working-tree-encoding",
                  b"crlf", b"binary")


def check_attributes(path):
    """Raise Unsupported if the attributes file at *path* can change contents."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return
    for word in _CONTENT_ATTRS:
        if word in data:
            raise Unsupported("attributes that change contents in %s"
                              % os.fsdecode(path))


def _pattern_lines(path):
    """The pattern lines of an ignore file (no blank lines, no comments)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return []
    return [line for line in data.split(b"\n")
            if line.strip() and not line.startswith(b"#")]


class IgnoreRulesCheck:
    """Declines the ignore rules libgit2 gets wrong.

    libgit2 (1.9) lets a negated pattern ("!x") override only patterns of
    its own file: a "!keep.o" in d/.gitignore does not re-include what "*.o"
    in the top .gitignore, info/exclude or core.excludesFile excludes, while
    git re-includes it.  So a negation is accepted only in the top .gitignore,
    and there only when info/exclude and core.excludesFile have no pattern
    for it to override; a negation in info/exclude only when
    core.excludesFile has none.  Called for every .gitignore the walk meets.

    The ignore rules are now asked of git itself (Ignore), which decides
    these cases as git status does; the declines stay until they are lifted
    together with the tests and the documentation that describe them.
    """

    def __init__(self, info_exclude, excludes_file):
        self.low_top = bool(_pattern_lines(info_exclude) or
                            (excludes_file and _pattern_lines(excludes_file)))
        if excludes_file and _pattern_lines(excludes_file) and \
                any(line.startswith(b"!") for line in _pattern_lines(info_exclude)):
            raise Unsupported("a negated pattern in info/exclude over core.excludesFile")

    def __call__(self, d, path):
        if os.path.islink(path):
            # git (2.32 and later) does not follow a symlinked .gitignore;
            # libgit2 may
            raise Unsupported("a symlinked .gitignore in %s" % (os.fsdecode(d) or "the top"))
        if not any(line.startswith(b"!") for line in _pattern_lines(path)):
            return
        if d or self.low_top:
            raise Unsupported("a negated pattern in %s/.gitignore (libgit2 differs from"
                              " git there)" % (os.fsdecode(d) or "the top"))


# Where git finds the repository's parts: the engine runs git with the
# worktree as its directory, and reads the index from the git dir itself.
_PATH_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM")


def check_environment(worktree, environ=None):
    """Raise Unsupported for an environment that would have the engine
    read another index, or its git commands another repository, than git
    status reads."""
    environ = os.environ if environ is None else environ
    if "GIT_INDEX_FILE" in environ:
        # git status compares that index; the engine reads <git-dir>/index
        raise Unsupported("GIT_INDEX_FILE is set")
    relative = [name for name in _PATH_VARS
                if any(part and not os.path.isabs(part)
                       for part in environ.get(name, "").split(os.pathsep))]
    if relative:
        try:
            here = os.path.realpath(os.getcwd())
        except OSError:
            here = None
        if here != os.path.realpath(worktree):
            # relative to this directory, not to the worktree the engine's
            # git commands run in
            raise Unsupported("relative %s below the top of the worktree"
                              % relative[0])


# -- the staged side ---------------------------------------------------------
def staged_changes(worktree, head, req, rename_limit, paths=None):
    """HEAD against the index, as git status sees it: {path: Change}.
    *paths*: literal pathspecs limiting it (renames are paired within them,
    as git status pairs them)."""
    with StagedJob(worktree, head, req, rename_limit, paths) as job:
        return job.result()


def _run_is_hooked():
    """Has someone put a wrapper around subprocess.run()?  The warm engine
    does, to remember what read-only git commands print (warm.py's
    GitMemo): its commands must then go through subprocess.run()."""
    return getattr(subprocess.run, "__module__", "subprocess") != "subprocess"


class StagedJob:
    """`git diff-index --cached` for staged_changes(), started at once and
    read by result(), so that it runs while the worktree is scanned.  With
    subprocess.run() hooked it runs there and then instead (see
    _run_is_hooked).  Use it as a context manager: leaving it unread stops
    the command."""

    def __init__(self, worktree, head, req, rename_limit, paths=None):
        cmd = ["git", "diff-index", "--cached", "-z", "--raw", "--no-abbrev",
               "--ita-invisible-in-index", "--ignore-submodules=none"]
        if req.renames:
            flag = "-C" if req.copies else "-M"
            cmd.append("%s%d%%" % (flag, req.rename_score))
            if rename_limit is not None:
                cmd.append("-l%d" % rename_limit)
        else:
            cmd.append("--no-renames")
        cmd += [head or EMPTY_TREE, "--"]
        # Not through core.fsmonitor: diff-index --cached reads no worktree, and
        # in the helper's daemon (the warm engine) the hook would wait on the
        # daemon itself, for the hook's whole timeout.
        env = dict(os.environ)
        params = env.get("GIT_CONFIG_PARAMETERS")
        env["GIT_CONFIG_PARAMETERS"] = ((params + " ") if params else "") + "'core.fsmonitor'='false'"
        if paths:
            cmd += [os.fsdecode(p) or "." for p in paths]
            env["GIT_LITERAL_PATHSPECS"] = "1"
        self.proc = self.done = None
        if _run_is_hooked():
            self.done = subprocess.run(cmd, cwd=worktree, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=env)
        else:
            self.proc = subprocess.Popen(cmd, cwd=worktree, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, env=env)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.kill()
            except OSError:
                pass
            proc.communicate()

    def _finish(self):
        if self.done is None:
            proc, self.proc = self.proc, None
            out, err = proc.communicate()
            self.done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        return self.done

    def result(self):
        proc = self._finish()
        if proc.returncode != 0:
            raise Unsupported("git diff-index failed: %s"
                              % proc.stderr.decode("utf-8", "replace").strip())
        return _parse_raw(proc.stdout)


def _parse_raw(data):
    out = {}
    fields = data.split(b"\0")
    i = 0
    n = len(fields) - 1
    while i < n:
        meta = fields[i].decode("ascii")
        mh, mi, hh, hi, st = meta[1:].split(" ")
        letter = st[0]
        if letter in "RC":
            orig, path = fields[i + 1], fields[i + 2]
            i += 3
            score = int(st[1:])
        else:
            orig, path = None, fields[i + 1]
            i += 2
            score = 0
        if letter == "U":
            continue
        if letter not in "MTADRC":
            raise Unsupported("diff-index status %s" % st)
        mh, mi = int(mh, 8), int(mi, 8)
        if scan.S_IFGITLINK in (mh, mi):
            raise Unsupported("submodule")
        out[path] = Change(path, letter, ".", mode_head=mh, mode_index=mi,
                           oid_head=hh, oid_index=hi, orig_path=orig, score=score)
    return out


def rename_limit(cfg):
    for name in ("status.renamelimit", "diff.renamelimit"):
        if name in cfg:
            try:
                return cfg.get_int(name)
            except ValueError:
                raise Unsupported("%s is not a number" % name)
    return None


# -- the worktree side ---------------------------------------------------------
class Ignore:
    """git's ignore rules, for untracked paths only, asked of git itself.

    `git check-ignore --stdin -z` answers each path as it reads it, so it
    runs beside the scan as a co-process, started on the first question
    (most statuses ask none) and stopped by close().  git answers from the
    files git status reads (.gitignore files, info/exclude,
    core.excludesFile, `git -c` included), by the same code.  libgit2 was
    asked before: importing pygit2 alone cost a cold status 80-150 ms.

    After a fork (parallel.py) a process asks a co-process of its own.
    """

    CMD = ["git", "check-ignore", "--stdin", "-z", "--verbose", "--non-matching",
           "--no-index"]

    def __init__(self, worktree):
        self.worktree = worktree
        self.proc = None
        self.owner = None      # the pid that started proc
        self.calls = 0

    def _start(self):
        self.forget()
        env = dict(os.environ)
        # each path goes as ":(top)<path>", the one pathspec magic
        # check-ignore takes: the rest is then the path as it is, whatever
        # its first character
        for name in ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS",
                     "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS"):
            env.pop(name, None)
        # git flushes each answer to a pipe unless GIT_FLUSH=0 says not
        # to; then the answer would wait in git's buffer, and we for it
        env["GIT_FLUSH"] = "1"
        try:
            # standard error to /dev/null: a pipe nobody reads could fill
            # up and stop git; a failure shows as the end of its output
            self.proc = subprocess.Popen(self.CMD, cwd=self.worktree, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
        except OSError as e:
            raise Unsupported("cannot run git check-ignore: %s" % e)
        self.owner = os.getpid()

    def forget(self):
        """Drop a co-process this process did not start (it belongs to
        the process this one was forked from), closing only our copies of
        its pipes."""
        if self.proc is not None and self.owner != os.getpid():
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None

    def close(self):
        """Stop the co-process, if this process started one."""
        self.forget()
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.stdout.close()
            proc.wait()

    def __call__(self, path, is_dir):
        """Is untracked *path* ignored?  git finds out whether it is a
        directory by lstat(), as git status knows it from its listing."""
        self.calls += 1
        if self.proc is None or self.owner != os.getpid():
            self._start()
        try:
            spec = b":(top)" + path
            data = memoryview(spec + b"\0")
            fd = self.proc.stdin.fileno()
            while data:
                data = data[os.write(fd, data):]
            # source, line number, pattern, path: four NUL-ended fields
            fd = self.proc.stdout.fileno()
            got = b""
            while got.count(b"\0") < 4:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise Unsupported("git check-ignore stopped (at %s)"
                                      % os.fsdecode(path))
                got += chunk
        except OSError as e:
            raise Unsupported("git check-ignore failed: %s" % e)
        fields = got.split(b"\0")
        if len(fields) != 5 or fields[3] != spec:
            raise Unsupported("git check-ignore answered out of turn")
        pattern = fields[2]
        # a negated pattern ("!keep.o") matching says: not ignored
        return bool(pattern) and not pattern.startswith(b"!")


class Config(dict):
    """git's configuration as `git config --list` gives it (so that `git -c`
    and includes count as they count for git status).  Names are in git's
    canonical case (section and variable lower case); a name given without
    a value holds None, which is boolean true."""

    @classmethod
    def read(cls, worktree):
        proc = subprocess.run(["git", "config", "-z", "--list"], cwd=worktree,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise Unsupported("git config --list failed: %s"
                              % proc.stderr.decode("utf-8", "replace").strip())
        cfg = cls()
        for rec in proc.stdout.split(b"\0")[:-1]:
            name, nl, value = rec.partition(b"\n")
            cfg[name.decode("utf-8", "surrogateescape")] = (
                value.decode("utf-8", "surrogateescape") if nl else None)
        return cfg

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        return "true" if value is None else value

    def get_bool(self, name):
        value = dict.__getitem__(self, name)
        if value is None:
            return True
        v = value.strip().lower()
        if v in ("true", "yes", "on"):
            return True
        if v in ("false", "no", "off", ""):
            return False
        return self.get_int(name) != 0

    def get_int(self, name):
        v = self[name].strip().lower()
        scale = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}.get(v[-1:], 1)
        if scale != 1:
            v = v[:-1]
        return int(v) * scale


def head_commit(worktree):
    """HEAD's commit id, or None before the first commit."""
    proc = subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"],
                          cwd=worktree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("ascii").strip()


def _unmerged_entry(path, stages, top):
    modes = [0, 0, 0]
    oids = [ZERO_OID, ZERO_OID, ZERO_OID]
    for e in stages:
        modes[e[ix.STAGE] - 1] = e[ix.MODE]
        oids[e[ix.STAGE] - 1] = e[ix.OID].hex()
    if scan.S_IFGITLINK in modes:
        raise Unsupported("submodule conflict")
    mask = tuple(bool(m) for m in modes)
    xy = {(True, False, False): "DD", (False, True, False): "AU",
          (True, True, False): "UD", (False, False, True): "UA",
          (True, False, True): "DU", (False, True, True): "AA",
          (True, True, True): "UU"}[mask]
    try:
        mw = scan.worktree_mode(os.lstat(top + b"/" + path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        mw = 0
    return Unmerged(path, xy, modes=tuple(modes), mode_worktree=mw, oids=tuple(oids))


def combine(staged, worktree_changes, entries_by_path):
    """Merge the two sides into the sorted list of Change."""
    out = []
    for path in sorted(set(staged) | set(worktree_changes)):
        c = staged.get(path)
        w = worktree_changes.get(path)
        e = entries_by_path.get(path)
        if c is None:
            # changed only in the worktree: HEAD and index agree
            ita = e[ix.FLAGS] & ix.F_ITA and w[0] == "A"
            mode = 0 if ita else e[ix.MODE]
            oid = ZERO_OID if ita else e[ix.OID].hex()
            c = Change(path, ".", w[0], mode_head=mode, mode_index=mode,
                       oid_head=oid, oid_index=oid)
        if w is None:
            c.mode_worktree = c.mode_index
        else:
            c.y = w[0]
            c.mode_worktree = w[1]
        out.append(c)
    return out


def _global_attributes():
    """The attributes files git reads besides the repository's own, with
    core.attributesFile unset (check_config declines it set): the user's
    ($XDG_CONFIG_HOME/git/attributes) and the system's (etc/gitattributes
    in git's prefix: /etc for a git in /usr, else /usr/local/etc)."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
        os.path.expanduser("~"), ".config")
    return [os.path.join(xdg, "git", "attributes")] + system_attributes(os.environ)


def system_attributes(env):
    """The system's attributes files git reads under environment *env*
    (none with GIT_ATTR_NOSYSTEM); the warm engine watches the same."""
    if env.get("GIT_ATTR_NOSYSTEM", "").lower() in ("1", "true", "yes", "on"):
        return []
    return ["/etc/gitattributes", "/usr/local/etc/gitattributes"]


def _stat_key(path):
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return "%d:%d:%d" % (st.st_mtime_ns, st.st_size, st.st_ino)


def _excludes_file(cfg, worktree):
    if "core.excludesfile" in cfg:
        # a relative path is read from the top of the worktree, where git
        # runs, whatever directory the status was asked from
        return os.path.join(worktree, os.path.expanduser(cfg["core.excludesfile"]))
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
        os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "git", "ignore")


def cache_key(repo, cfg, index_identity, head, req):
    """Everything besides the worktree that the worktree side depends on."""
    return {
        "worktree": repo.worktree,
        "index": index_identity,
        "head": head or "",
        "untracked": req.untracked,
        "ignored": req.ignored,
        "exclude": _stat_key(os.path.join(repo.common_dir, "info", "exclude")),
        "attributes": _stat_key(os.path.join(repo.common_dir, "info", "attributes")),
        "excludesfile": "%s %s" % (_excludes_file(cfg, repo.worktree),
                                   _stat_key(_excludes_file(cfg, repo.worktree))),
    }


def _instance(token):
    return token.rpartition(":")[0] if token else None


def compute(repo, req):
    """Compute the changes, unmerged, untracked and ignored entries.

    The cyclic garbage collector is off meanwhile: a full scan makes a few
    hundred thousand tuples, none of them in a cycle, and each few hundred
    allocations would set the collector walking all of them again.
    Mercurial reads its dirstate the same way (util.nogc)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute(repo, req)
    finally:
        if enabled:
            gc.enable()


def _compute(repo, req):
    paths = pathspec.resolve(req.pathspecs, req.prefix)
    if paths and req.ignored != "no":
        # git 2.39 shows ignored directories a pathspec does not select
        # (`--ignored=matching -- b` lists "build/"): leave that to git
        raise Unsupported("pathspecs with --ignored")
    if req.ignored not in ("no", "traditional", "matching"):
        raise Unsupported("--ignored=%s" % req.ignored)
    if req.ignored == "matching" and req.untracked == "no":
        raise Unsupported("--ignored=matching with -uno (git refuses it)")
    if req.ignore_submodules not in ("none", "untracked", "dirty", "all"):
        raise Unsupported("--ignore-submodules=%s" % req.ignore_submodules)
    if req.untracked not in ("no", "normal", "all"):
        raise Unsupported("-u%s" % req.untracked)
    check_environment(repo.worktree)
    cfg = Config.read(repo.worktree)
    check_config(cfg)
    top = os.fsencode(repo.worktree)
    index_path = os.path.join(os.fsencode(repo.git_dir), b"index")
    common_dir = os.fsencode(repo.common_dir)
    check_attributes(common_dir + b"/info/attributes")
    for path in _global_attributes():
        check_attributes(path)
    if _config_bool(cfg, "core.sparsecheckout", False):
        raise Unsupported("sparse checkout")
    limit = rename_limit(cfg)

    # The token comes first: the answer covers every change after it, so
    # whatever changes while we read the worktree is reported next time.
    old = answer = None
    if req.use_helper:
        # imported here: a status without the helper keeps no cache
        from git_fswatch.client import api
        from git_fswatch.status import cache
        old = cache.load(repo)
        answer = api.changed_since(repo, old.token if old else None)

    ignore = Ignore(repo.worktree)
    try:
        return _compute_with(repo, req, cfg, paths, limit, top, index_path, old, answer,
                             ignore)
    finally:
        ignore.close()


def _compute_with(repo, req, cfg, paths, limit, top, index_path, old, answer, ignore):
    rules = None
    if req.untracked != "no":
        rules = IgnoreRulesCheck(os.path.join(repo.common_dir, "info", "exclude"),
                                 _excludes_file(cfg, repo.worktree))
    for attempt in range(3):
        head = head_commit(repo.worktree)
        data, st = ix.read_bytes(index_path)
        key = cache_key(repo, cfg, ix.identity_of(data, st), head, req)
        why = _why_full(old, answer, key)
        with StagedJob(repo.worktree, head, req, limit, paths) as staged_job:
            tree, dirs, index_map = _worktree_side(repo, req, ignore, rules, old,
                                                   answer, why, data, st, index_path)
            staged = staged_job.result()
        # a consistent answer: the index and HEAD it describes did not move
        if ix.read_identity(index_path) == key["index"] and \
                head_commit(repo.worktree) == head:
            break
        trace("status: the index or HEAD changed during the scan; again")
    else:
        raise Unsupported("the index or HEAD keeps changing")
    if answer is not None and answer.token is not None:
        from git_fswatch.status import cache
        cache.store(repo, cache.Cache(key, answer.token, dirs, index_map))

    changes = {}
    untracked = []
    ignored = []
    for c, u, i, _ in dirs.values():
        changes.update(c)
        untracked.extend(u)
        ignored.extend(i)
    unmerged = tree.unmerged
    if paths:
        pathspec.check_leading(paths, tree.is_dir)
        changes = {p: w for p, w in changes.items() if pathspec.selects(paths, p)}
        unmerged = {p: u for p, u in unmerged.items() if pathspec.selects(paths, p)}
        untracked = pathspec.filter_listed(paths, untracked)
        ignored = pathspec.filter_listed(paths, ignored)
    if req.renames:
        ys = set(w[0] for w in changes.values())
        if "A" in ys and "D" in ys:
            # git status pairs deleted and intent-to-add files as worktree
            # renames; leave that to git
            raise Unsupported("possible rename between intent-to-add and deleted files")
    by_path = {}
    for path in changes:
        d, _, name = path.rpartition(b"/")
        by_path[path] = tree.files.get(d)[name]
    for p in unmerged:
        staged.pop(p, None)
    result = Status()
    result.changes = combine(staged, changes, by_path)
    result.unmerged = [_unmerged_entry(p, unmerged[p], top) for p in sorted(unmerged)]
    result.untracked = sorted(untracked)
    result.ignored = sorted(ignored)
    return result


def _worktree_side(repo, req, ignore, rules, old, answer, why, data, st, index_path):
    """(tree, {dir: results}, index map or None): from the status cache and
    the helper's answer when they serve, else by a full scan."""
    global last_path
    index_map = None
    if not why and old.index_map is not None:
        version = ix._HEAD.unpack_from(data, 0)[1]
        tree = scan.MapTree(data, version, old.index_map)
        engine = Engine(repo, tree, st.st_mtime_ns, req, ignore, rules)
        dirs = engine.incremental(old.dirs, answer.paths)
        if dirs is not None:
            last_path = "cache"
            return tree, dirs, old.index_map
        trace("status: full scan: a reported path changes the rules")
    elif why:
        trace("status: full scan: %s", why)
    else:
        trace("status: full scan: a reported path changes the rules")
    if data is None:
        idx = ix.read(index_path)
    else:
        version, entries, checksum, names, offsets, end = ix.parse_all(data)
        idx = ix.Index(version, entries, checksum, st, names)
        idx.offsets, idx.entries_end = offsets, end
    for e in idx.entries:
        if e[1] == scan.S_IFGITLINK:
            raise Unsupported("submodule")
    tree = scan.Tree(idx.entries)
    engine = Engine(repo, tree, idx.mtime_ns, req, ignore, rules)
    dirs = engine.full()
    if answer is not None and answer.token is not None:
        # only the status cache keeps it
        index_map = scan.index_map(idx, tree)
    last_path = "full"
    return tree, dirs, index_map


def _why_full(old, answer, key):
    """Why the cache cannot serve (a reason for the trace), or None."""
    if answer is None:
        return "the helper is not used"
    if answer.everything:
        return "the helper says everything (%s)" % answer.reason
    if old is None:
        return "no status cache"
    if _instance(old.token) != _instance(answer.token):
        return "the helper's instance changed"
    for k in key:
        if old.key.get(k) != key[k]:
            return "the cache was made under another %s" % k
    return None


_RULE_FILES = (b".gitignore", b".gitattributes")


class Engine:
    """The worktree side for one index: per tracked directory results."""

    def __init__(self, repo, tree, index_mtime_ns, req, ignore, rules=None):
        self.tree = tree
        self.ignore = ignore
        self.scanner = scan.Scanner(repo.worktree, index_mtime_ns, tree, ignore,
                                    req.untracked, check_tree_attributes, req.ignored,
                                    rules)

    def full(self):
        """Examine every tracked directory: {dir: (changes, untracked, ignored,
        relied)}; over several processes when the index is large."""
        tree = self.tree
        sc = self.scanner
        dirs = None
        n = parallel.processes(sum(len(f) for f in tree.files.values()))
        if n > 1:
            dirs = parallel.full(sc, tree, self.ignore, n)
        if dirs is None:
            dirs = {}
            parallel.walk(sc, tree, b"", True, dirs)
        trace("status: %d directories listed, %d files hashed, %d ignore checks",
              sc.listed, sc.hashed, self.ignore.calls)
        return dirs

    def incremental(self, cached, paths):
        """Re-examine the directories around *paths*; None: scan in full."""
        tree = self.tree
        redo = set()
        for p in paths:
            q = p.rstrip(b"/")
            if not q:
                return None
            if q.rpartition(b"/")[2] in _RULE_FILES:
                return None
            redo.add(tree.deepest_tracked_ancestor(q))
            if tree.is_dir(q):
                redo.update(tree.dirs_under(q))
        # the helper does not report a .git appearing or going away below
        # the worktree: the untracked directories the cached answers relied
        # on are checked by their mtimes
        top = self.scanner.top
        for d, value in cached.items():
            if d not in redo and scan.relied_changed(top, value[3]):
                redo.add(d)
        dirs = dict(cached)
        sc = self.scanner
        for d in redo:
            if tree.is_dir(d):
                c, u, i, _ = sc.examine(d)
                dirs[d] = (c, u, i, sc.relied)
            else:
                dirs.pop(d, None)
        trace("status: from the cache: %d paths reported, %d directories examined,"
              " %d files hashed; paths %r, directories %r", len(paths), len(redo),
              sc.hashed, paths[:10], sorted(redo)[:10])
        return dirs
