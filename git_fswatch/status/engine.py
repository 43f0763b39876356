"""The status engine: index, HEAD and worktree to the entries of a Status.

compute(repo, req, inputs) fills Status.changes, .unmerged, .untracked and
.ignored exactly as `git status` would compute them, or raises Decline,
after which the command runs the real `git status`.  Everything it reads
besides the worktree and the git dir comes through *inputs*
(status/inputs.py).  Two ways to the same answer:

- the full scan: every tracked directory is listed and compared (scan.py,
  over several processes for a large index: parallel.py);
- the accelerated path: the helper says which paths changed since the token
  kept in the status cache (cache.py); only the tracked directories around
  those paths are examined again, the rest comes from the cache.

The staged side (HEAD against the index) comes from git (staged.py).
"""

import gc
import os
from dataclasses import dataclass, field
from typing import List

from git_fswatch.decline import Decline
from git_fswatch.repo import index as ix
from git_fswatch.status import checks, parallel, pathspec, scan, staged
from git_fswatch.status.cache import Cache
from git_fswatch.status.ignore import Ignore
from git_fswatch.status.model import Change, Status, Unmerged, ZERO_OID
from git_fswatch.status.tree import S_IFGITLINK, MapTree, Tree, index_map
from git_fswatch.trace import event


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
    use_helper: bool = True        # False: never ask the helper (full scan)

    @property
    def mode(self):
        """What the worktree side depends on besides the worktree: a status
        cache serves one mode."""
        return (self.untracked, self.ignored)


def check_request(req):
    """Decline what the engine does not answer, whatever the repository."""
    if req.ignored not in ("no", "traditional", "matching"):
        raise Decline("option", "--ignored=%s" % req.ignored)
    if req.ignored == "matching" and req.untracked == "no":
        raise Decline("option", "--ignored=matching with -uno (git refuses it)")
    if req.ignore_submodules not in ("none", "untracked", "dirty", "all"):
        raise Decline("option", "--ignore-submodules=%s" % req.ignore_submodules)
    if req.untracked not in ("no", "normal", "all"):
        raise Decline("option", "-u%s" % req.untracked)


def rename_limit(cfg):
    for name in ("status.renamelimit", "diff.renamelimit"):
        if name in cfg:
            return cfg.int(name, None)
    return None


def head_commit(git):
    """HEAD's commit id, or None before the first commit."""
    proc = git.run(["rev-parse", "-q", "--verify", "HEAD^{commit}"])
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("ascii").strip()


def _unmerged_entry(path, stages, top):
    modes = [0, 0, 0]
    oids = [ZERO_OID, ZERO_OID, ZERO_OID]
    for e in stages:
        modes[e[ix.STAGE] - 1] = e[ix.MODE]
        oids[e[ix.STAGE] - 1] = e[ix.OID].hex()
    if S_IFGITLINK in modes:
        raise Decline("submodule", "a submodule conflict at %s" % os.fsdecode(path))
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


def combine(staged_side, worktree_changes, entries_by_path):
    """Merge the two sides into the sorted list of Change."""
    out = []
    for path in sorted(set(staged_side) | set(worktree_changes)):
        c = staged_side.get(path)
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


def _stat_key(path):
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return "%d:%d:%d" % (st.st_mtime_ns, st.st_size, st.st_ino)


def cache_key(repo, cfg, env, index_identity, head, req):
    """Everything besides the worktree that the worktree side depends on."""
    excludes = checks.excludes_file(cfg, repo.worktree, env)
    return {
        "worktree": repo.worktree,
        "index": index_identity,
        "head": head or "",
        "untracked": req.untracked,
        "ignored": req.ignored,
        "exclude": _stat_key(os.path.join(repo.common_dir, "info", "exclude")),
        "attributes": _stat_key(os.path.join(repo.common_dir, "info", "attributes")),
        "excludesfile": "%s %s" % (excludes, _stat_key(excludes)),
    }


def _instance(token):
    return token.rpartition(":")[0] if token else None


def why_full(old, answer, key):
    """Why the status cache *old* cannot serve with the helper's *answer*
    and the current *key*: (code, detail) for the trace, or None.  Codes:
    no-helper, everything (the helper said so), no-cache, new-instance (of
    the helper), key:<what> (the cache was made under another index, head,
    mode, exclude ...)."""
    if answer is None:
        return "no-helper", "the helper is not used"
    if answer.everything:
        return "everything", "the helper says everything (%s)" % answer.reason
    if old is None:
        return "no-cache", "no status cache"
    if _instance(old.token) != _instance(answer.token):
        return "new-instance", "the helper's instance changed"
    for k in key:
        if old.key.get(k) != key[k]:
            return "key:" + k, "the cache was made under another %s" % k
    return None


def full_scan_reason(repo, req, inputs, max_dirs=None):
    """Why compute(repo, req, inputs) would scan the whole worktree if it
    ran now ((code, detail), see why_full), or None: the same decision, made from
    the same inputs, without reading the worktree.  With *max_dirs*, changes
    in more directories than that count as a full scan too (the helper's
    daemon computes those away from its loop).  Raises Decline as compute()
    would before its scan."""
    paths, cfg = prepare(repo, req, inputs)
    old = inputs.load_cache(repo, req) if req.use_helper else None
    answer = inputs.changed_since(repo, old.token if old else None) if req.use_helper \
        else None
    data, st = inputs.read_index(os.path.join(repo.git_dir, "index"))
    key = cache_key(repo, cfg, inputs.env, ix.identity_of(data, st),
                    head_commit(inputs.git.at(repo.worktree)), req)
    why = why_full(old, answer, key)
    if why or old.index_map is None:
        return why or ("no-index-map", "the status cache has no index map")
    dirs = set()
    for p in answer.paths:
        if rules_changed(p):
            return RULES_CHANGED
        q = p.rstrip(b"/")
        dirs.add(q if q != p else q.rpartition(b"/")[0])
    if max_dirs is not None and len(dirs) > max_dirs:
        return "many-directories", "changes in %d directories" % len(dirs)
    return None


def prepare(repo, req, inputs):
    """Every decline that depends on the request, the configuration and the
    files outside the worktree, before anything is scanned: the literal
    pathspecs and the configuration."""
    paths = pathspec.resolve(req.pathspecs, req.prefix, inputs.env)
    if paths and req.ignored != "no":
        # git 2.39 shows ignored directories a pathspec does not select
        # (`--ignored=matching -- b` lists "build/"): leave that to git
        raise Decline("pathspec", "pathspecs with --ignored")
    check_request(req)
    checks.check_environment(repo.worktree, inputs.env, inputs.cwd)
    cfg = inputs.config()
    checks.check_config(cfg)
    checks.check_global_attributes(repo.common_dir, inputs.env)
    return paths, cfg


def compute(repo, req, inputs):
    """Compute the changes, unmerged, untracked and ignored entries.

    The cyclic garbage collector is off meanwhile: a full scan makes a few
    hundred thousand tuples, none of them in a cycle, and each few hundred
    allocations would set the collector walking all of them again.
    Mercurial reads its dirstate the same way (util.nogc)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compute(repo, req, inputs)
    finally:
        if enabled:
            gc.enable()


def _compute(repo, req, inputs):
    paths, cfg = prepare(repo, req, inputs)
    limit = rename_limit(cfg)
    # The token comes first: the answer covers every change after it, so
    # whatever changes while we read the worktree is reported next time.
    old = answer = None
    if req.use_helper:
        old = inputs.load_cache(repo, req)
        answer = inputs.changed_since(repo, old.token if old else None)
    ignore = Ignore(inputs.git, repo.worktree)
    try:
        return _compute_with(repo, req, inputs, cfg, paths, limit, old, answer, ignore)
    finally:
        ignore.close()


def _compute_with(repo, req, inputs, cfg, paths, limit, old, answer, ignore):
    git = inputs.git.at(repo.worktree)
    index_path = os.path.join(repo.git_dir, "index")
    rules = None
    if req.untracked != "no":
        rules = checks.IgnoreRulesCheck(os.path.join(repo.common_dir, "info", "exclude"),
                                        checks.excludes_file(cfg, repo.worktree, inputs.env))
    for attempt in range(3):
        head = head_commit(git)
        data, st = inputs.read_index(index_path)
        key = cache_key(repo, cfg, inputs.env, ix.identity_of(data, st), head, req)
        why = why_full(old, answer, key)
        with staged.start(git, head, req, limit, paths) as staged_job:
            tree, dirs, imap, how = _worktree_side(repo, req, inputs, ignore, rules, old,
                                                   answer, why, data, st, index_path)
            staged_side = staged.result(staged_job)
        # a consistent answer: the index and HEAD it describes did not move
        if ix.read_identity(index_path) == key["index"] and head_commit(git) == head:
            break
        event("status.retry", why="the index or HEAD changed during the scan")
    else:
        raise Decline("racing-index", "the index or HEAD keeps changing")
    if answer is not None and answer.token is not None:
        inputs.store_cache(repo, req, Cache(key, answer.token, dirs, imap))

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
            raise Decline("ita-rename",
                          "possible rename between intent-to-add and deleted files")
    by_path = {}
    for path in changes:
        d, _, name = path.rpartition(b"/")
        by_path[path] = tree.files.get(d)[name]
    for p in unmerged:
        staged_side.pop(p, None)
    result = Status()
    result.changes = combine(staged_side, changes, by_path)
    top = os.fsencode(repo.worktree)
    result.unmerged = [_unmerged_entry(p, unmerged[p], top) for p in sorted(unmerged)]
    result.untracked = sorted(untracked)
    result.ignored = sorted(ignored)
    result.how = how
    return result


def _worktree_side(repo, req, inputs, ignore, rules, old, answer, why, data, st,
                   index_path):
    """(tree, {dir: results}, index map or None, how): from the status cache
    and the helper's answer when they serve ("cache"), else by a full scan
    ("full")."""
    if not why and old.index_map is not None:
        version = ix.HEADER.unpack_from(data, 0)[1]
        tree = MapTree(data, version, old.index_map)
        engine = Engine(repo, tree, st.st_mtime_ns, req, ignore, inputs.env, rules)
        dirs = engine.incremental(old.dirs, answer.paths)
        if dirs is not None:
            return tree, dirs, old.index_map, "cache"
        why = RULES_CHANGED
    elif not why:
        why = ("no-index-map", "the status cache has no index map")
    event("status.full-scan", reason=why[0], detail=why[1])
    if data is None:
        idx = ix.read(index_path)
    else:
        idx = ix.parse_index(data, st)
    for e in idx.entries:
        if e[1] == S_IFGITLINK:
            raise Decline("submodule", os.fsdecode(e[0]))
    tree = Tree(idx.entries)
    engine = Engine(repo, tree, idx.mtime_ns, req, ignore, inputs.env, rules)
    dirs = engine.full()
    imap = None
    if answer is not None and answer.token is not None:
        imap = index_map(idx, tree)          # only the status cache keeps it
    return tree, dirs, imap, "full"


_RULE_FILES = (b".gitignore", b".gitattributes")
RULES_CHANGED = ("rules-changed", "a reported path changes the ignore or attribute rules")


def rules_changed(path):
    """Does a change reported at *path* change the ignore or attribute rules
    (or is it the whole worktree)?"""
    q = path.rstrip(b"/")
    return not q or q.rpartition(b"/")[2] in _RULE_FILES


class Engine:
    """The worktree side for one index: per tracked directory results."""

    def __init__(self, repo, tree, index_mtime_ns, req, ignore, env, rules=None):
        self.tree = tree
        self.ignore = ignore
        self.env = env
        self.scanner = scan.Scanner(repo.worktree, index_mtime_ns, tree, ignore,
                                    req.untracked, checks.check_tree_attributes,
                                    req.ignored, rules)

    def full(self):
        """Examine every tracked directory: {dir: (changes, untracked, ignored,
        relied)}; over several processes when the index is large."""
        tree = self.tree
        sc = self.scanner
        dirs = None
        n = parallel.processes(sum(len(f) for f in tree.files.values()), self.env)
        if n > 1:
            dirs = parallel.full(sc, tree, self.ignore, n)
        if dirs is None:
            dirs = {}
            parallel.walk(sc, tree, b"", True, dirs)
        event("status.scanned", directories=sc.listed, hashed=sc.hashed,
              ignore_checks=self.ignore.calls)
        return dirs

    def incremental(self, cached, paths):
        """Re-examine the directories around *paths*; None: scan in full."""
        tree = self.tree
        redo = set()
        for p in paths:
            if rules_changed(p):
                return None
            q = p.rstrip(b"/")
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
        event("status.from-cache", paths=len(paths), directories=len(redo),
              hashed=sc.hashed, first_paths=paths[:10], first_directories=sorted(redo)[:10])
        return dirs
