"""The index seen as directories: what each tracked directory holds.

The status engine's unit of work is one tracked directory (a directory that
holds index entries, at any depth).  Tree answers, for every tracked
directory, its tracked files, the names of its unmerged paths and its
tracked subdirectories: built in one pass over the whole index for a full
scan.  MapTree answers the same for the few directories around reported
changes, parsing only their entries (the accelerated path), with the index
map that index_map() makes and the status cache keeps.
"""

import bisect

from git_fswatch.repo import index as ix

S_IFGITLINK = 0o160000


def _join(d, name):
    return d + b"/" + name if d else name


class Tree:
    """The index seen as directories: what each tracked directory holds.

    files: dir -> {name: entry} (stage 0); unmerged: path -> [entries of
    stages 1-3]; names: dir -> names of unmerged paths in it; subdirs:
    dir -> set of tracked subdirectory names.  Built in one pass over the
    whole index, for a full scan.
    """

    def __init__(self, entries):
        self.files = files = {}
        self.unmerged = {}
        self.names = {}
        self.subdirs = subdirs = {b"": set()}
        last_d = None
        m = None
        for e in entries:
            path = e[0]
            d, _, name = path.rpartition(b"/")
            if d != last_d:
                last_d = d
                m = files.get(d)
                if m is None:
                    files[d] = m = {}
                    self._register(d)
            if e[3]:
                self.unmerged.setdefault(path, []).append(e)
                self.names.setdefault(d, set()).add(name)
            else:
                m[name] = e
        self.files = {d: f for d, f in files.items() if f}

    def _register(self, d):
        """Make d and its ancestors tracked directories."""
        subdirs = self.subdirs
        child = d
        while child:
            parent, _, cname = child.rpartition(b"/")
            if child not in subdirs:
                subdirs[child] = set()
            s = subdirs.get(parent)
            if s is None:
                subdirs[parent] = s = set()
            if cname in s:
                break
            s.add(cname)
            child = parent

    def is_dir(self, d):
        return d in self.subdirs

    def dirs_under(self, d):
        """d (if tracked) and every tracked directory below it."""
        if not self.is_dir(d):
            return []
        out = []
        stack = [d]
        while stack:
            cur = stack.pop()
            out.append(cur)
            for name in self.subdirs.get(cur, ()):
                stack.append(_join(cur, name))
        return out

    def deepest_tracked_ancestor(self, path):
        """The deepest tracked directory strictly above *path*."""
        d = path
        while d:
            d = d.rpartition(b"/")[0]
            if self.is_dir(d):
                return d
        return b""


class _Lazy:
    """A read-only mapping computed key by key (see RangeTree)."""

    def __init__(self, compute):
        self._compute = compute
        self._memo = {}

    def get(self, key, default=None):
        if key not in self._memo:
            self._memo[key] = self._compute(key)
        v = self._memo[key]
        return default if v is None else v


class MapTree(Tree):
    """Tree's answers from the index bytes and an index map (cache.py), for
    the accelerated path: only the entries directly in the directories asked
    about are parsed; the entries of their subdirectories are jumped over."""

    def __init__(self, data, version, index_map):
        self.data = data
        self.version = version
        self.map = index_map
        self.unmerged = {}
        self.children = {}
        for d in index_map:
            if d:
                parent, _, name = d.rpartition(b"/")
                self.children.setdefault(parent, set()).add(name)
        self.files = _Lazy(self._files)
        self.names = _Lazy(lambda d: None)
        self.subdirs = _Lazy(lambda d: self.children.get(d, set()) if d in self.map else None)

    def is_dir(self, d):
        return d in self.map

    def dirs_under(self, d):
        if d not in self.map:
            return []
        if not d:
            return list(self.map)
        prefix = d + b"/"
        return [x for x in self.map if x == d or x.startswith(prefix)]

    def _files(self, d):
        if d not in self.map:
            return None
        start, end, _, prev, _ = self.map[d]
        skip = len(d) + 1 if d else 0
        out = {}
        pos = start
        while pos < end:
            e, nxt = ix.entry_at(self.data, pos, self.version, prev)
            rest = e[0][skip:]
            sub, slash, _ = rest.partition(b"/")
            if slash:
                # jump over the subdirectory; its last path is the "previous"
                # path a version 4 index compresses the next one against
                _, pos, _, _, prev = self.map[_join(d, sub)]
            else:
                out[rest] = e
                pos = nxt
                prev = e[0]
        return out


def index_map(idx, tree):
    """{dir: (start, end, count, prev, last)} for every tracked directory:
    the byte range of the entries below it, how many, the path before the
    first (a version 4 index compresses against it) and the last path.
    None when the index has conflicts or no entries."""
    if tree.unmerged or not idx.entries:
        return None
    paths = [e[0] for e in idx.entries]
    offsets = idx.offsets
    n = len(paths)
    out = {}
    for d in tree.subdirs:
        if d:
            lo = bisect.bisect_left(paths, d + b"/")
            hi = bisect.bisect_left(paths, d + b"0", lo)
        else:
            lo, hi = 0, n
        if lo >= hi:
            return None
        out[d] = (offsets[lo], offsets[hi] if hi < n else idx.entries_end, hi - lo,
                  paths[lo - 1] if lo else b"", paths[hi - 1])
    return out
