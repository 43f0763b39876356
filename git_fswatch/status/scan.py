"""The worktree walk: tracked entries against the index, untracked files.

The unit of work is one *tracked directory* (a directory that holds index
entries, at any depth): one os.scandir() lists it, its tracked files are
lstat()ed together, and the names the index does not know are the untracked
candidates.  A file's contents are read and hashed only when its stat data
cannot decide (Bazaar's and Mercurial's design): a stat mismatch, or a racily
clean entry (modified in the same second the index was written; git's
Documentation/technical/racy-git.txt).  Deciding by content whenever stat data
is in doubt gives git's answer, because `git status` refreshes the index the
same way before it compares.

examine(dir) returns what one tracked directory contributes, independently of
the others, so that the status cache can keep results per directory and the
accelerated path re-examine only the directories the helper reports.
"""

import errno
import hashlib
import os
import stat

from git_fswatch.status import index as ix
from git_fswatch.status.model import Unsupported

S_IFGITLINK = 0o160000


def worktree_mode(st_mode):
    """The mode git records for a file of this type, or 0 for other types."""
    if stat.S_ISREG(st_mode):
        return 0o100755 if st_mode & 0o100 else 0o100644
    if stat.S_ISLNK(st_mode):
        return 0o120000
    return 0


def hash_blob(data):
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def hash_path(abspath, mode):
    """The blob id of the file or symlink at *abspath*, or None if it vanished."""
    try:
        if mode == 0o120000:
            return hash_blob(os.readlink(abspath))
        with open(abspath, "rb") as f:
            return hash_blob(f.read())
    except (FileNotFoundError, NotADirectoryError):
        return None


def _join(d, name):
    return d + b"/" + name if d else name


class Tree:
    """The index seen as directories: what each tracked directory holds."""

    def __init__(self, entries):
        self.files = {}        # dir -> {name: entry} (stage 0 entries)
        self.unmerged = {}     # path -> [entry, ...] (stages 1-3)
        self.subdirs = {b"": set()}   # dir -> set of tracked subdirectory names
        self.names = {}        # dir -> set of all names of index files in dir
        files = self.files
        subdirs = self.subdirs
        names = self.names
        for e in entries:
            path = e[ix.PATH]
            d, _, name = path.rpartition(b"/")
            if e[ix.STAGE]:
                self.unmerged.setdefault(path, []).append(e)
            else:
                m = files.get(d)
                if m is None:
                    files[d] = m = {}
                m[name] = e
            n = names.get(d)
            if n is None:
                names[d] = n = set()
                # register d and its ancestors as tracked directories
                child = d
                while child:
                    parent, _, cname = child.rpartition(b"/")
                    s = subdirs.get(parent)
                    if s is None:
                        subdirs[parent] = s = set()
                    known = cname in s
                    s.add(cname)
                    if child not in subdirs:
                        subdirs[child] = set()
                    if known:
                        break
                    child = parent
            n.add(name)

    def is_dir(self, d):
        return d in self.subdirs

    def dirs_under(self, d):
        """d (if tracked) and every tracked directory below it."""
        if d not in self.subdirs:
            return []
        out = []
        stack = [d]
        while stack:
            cur = stack.pop()
            out.append(cur)
            for name in self.subdirs[cur]:
                stack.append(_join(cur, name))
        return out

    def deepest_tracked_ancestor(self, path):
        """The deepest tracked directory strictly above *path*."""
        d = path
        while d:
            d = d.rpartition(b"/")[0]
            if d in self.subdirs:
                return d
        return b""


class Scanner:
    """Examines tracked directories of one worktree against one index.

    is_ignored(path, is_dir) answers git's ignore rules for an untracked path
    (bytes); untracked is "no", "normal" or "all"; ignored is "no",
    "traditional" or "matching" (and "no" whenever untracked is "no": git
    shows no ignored path then).
    """

    def __init__(self, worktree, idx, tree, is_ignored, untracked, on_attributes=None,
                 ignored="no"):
        self.ignored_mode = ignored if untracked != "no" else "no"
        self.on_attributes = on_attributes
        self.top = os.fsencode(worktree)
        self.tree = tree
        self.racy_after = idx.mtime_ns // 1000000000 * 1000000000
        self.is_ignored = is_ignored
        self.untracked_mode = untracked
        self.hashed = 0
        self.listed = 0

    def _abs(self, path):
        return self.top + b"/" + path if path else self.top

    def reachable(self, d):
        """Is tracked directory *d* a real directory (no symlink on the way)?"""
        if not d:
            return True
        cur = b""
        for part in d.split(b"/"):
            cur = _join(cur, part)
            try:
                st = os.lstat(self._abs(cur))
            except OSError:
                return False
            if not stat.S_ISDIR(st.st_mode):
                return False
        return True

    # -- one tracked directory ------------------------------------------
    def examine(self, d, reachable=None):
        """Return (changes, untracked, ignored, subdirs) for tracked directory *d*.

        changes: {path: (y, mode_worktree)} for tracked files directly in d
        that differ from the index; untracked and ignored: paths found
        through d's listing (directories collapsed as git collapses them);
        subdirs: the tracked subdirectories that are real directories.
        """
        tree = self.tree
        files = tree.files.get(d, {})
        names = tree.names.get(d, ())
        subdirs = tree.subdirs.get(d, ())
        changes = {}
        untracked = []
        ignored = []
        real_subdirs = []
        if reachable is None:
            reachable = self.reachable(d)
        listing = None
        if reachable:
            try:
                listing = os.scandir(self._abs(d))
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.ENOTDIR):
                    raise
        if listing is None:
            for name, e in files.items():
                self._missing(_join(d, name), e, changes)
            return changes, untracked, ignored, real_subdirs
        self.listed += 1
        seen = set()
        with listing:
            for de in listing:
                name = de.name
                if name in names:
                    e = files.get(name)
                    if e is not None:
                        seen.add(name)
                        self._compare(_join(d, name), e, de, changes)
                    if self.untracked_mode == "all" and de.is_dir(follow_symlinks=False):
                        # git -uall (not -unormal) lists what a directory
                        # standing where a file is tracked holds, unless it
                        # is a repository
                        path = _join(d, name)
                        if self.ignored_mode != "no":
                            raise Unsupported("--ignored -uall with a directory"
                                              " where a file is tracked")
                        if not self._is_repo(path) and not self.is_ignored(path, True):
                            self._list_all(path, untracked)
                    continue
                if name == b".git":
                    continue
                if name == b".gitattributes" and self.on_attributes:
                    self.on_attributes(self._abs(_join(d, name)))
                if de.is_dir(follow_symlinks=False):
                    if name in subdirs:
                        real_subdirs.append(name)
                        continue   # a tracked directory, examined on its own
                    if self.untracked_mode != "no":
                        self._untracked_dir(_join(d, name), untracked, ignored)
                elif self.untracked_mode != "no":
                    if de.is_file(follow_symlinks=False) or de.is_symlink():
                        path = _join(d, name)
                        if not self.is_ignored(path, False):
                            untracked.append(path)
                        elif self.ignored_mode != "no":
                            ignored.append(path)
        if len(seen) != len(files):
            for name, e in files.items():
                if name not in seen:
                    self._missing(_join(d, name), e, changes)
        return changes, untracked, ignored, real_subdirs

    def _missing(self, path, e, changes):
        if e[ix.SKIP] or e[ix.ASSUME]:
            return
        changes[path] = ("D", 0)

    def _compare(self, path, e, de, changes):
        if e[ix.SKIP] or e[ix.ASSUME]:
            return
        st = de.stat(follow_symlinks=False)
        mode = worktree_mode(st.st_mode)
        imode = e[ix.MODE]
        if e[ix.ITA]:
            if mode:
                changes[path] = ("A", mode)
            else:
                changes[path] = ("D", 0)
            return
        if imode == S_IFGITLINK:
            raise Unsupported("submodule")
        if not mode:
            # a directory (or a fifo...) where a file was tracked
            changes[path] = ("D", 0)
            return
        if (mode == 0o120000) != (imode == 0o120000):
            changes[path] = ("T", mode)
            return
        if mode != imode:
            changes[path] = ("M", mode)
            return
        if (st.st_size & 0xFFFFFFFF) == e[ix.SIZE] \
                and st.st_mtime_ns == e[ix.MTIME] \
                and st.st_ctime_ns == e[ix.CTIME] \
                and (st.st_ino & 0xFFFFFFFF) == e[ix.INO] \
                and st.st_uid == e[ix.UID] and st.st_gid == e[ix.GID] \
                and e[ix.MTIME] < self.racy_after:
            return
        # stat data cannot decide: compare contents
        if mode != 0o120000 and st.st_size != e[ix.SIZE] and st.st_size >> 32 == 0 \
                and e[ix.SIZE] != 0:
            # a different size (git smudges racy entries to size 0)
            changes[path] = ("M", mode)
            return
        self.hashed += 1
        oid = hash_path(self._abs(path), mode)
        if oid is None:
            changes[path] = ("D", 0)
        elif oid != e[ix.OID]:
            changes[path] = ("M", mode)

    # -- untracked directories ------------------------------------------
    def _is_repo(self, path):
        return os.path.lexists(self._abs(path) + b"/.git")

    def _untracked_dir(self, path, out, out_ignored):
        if self.is_ignored(path, True):
            if self.ignored_mode != "no":
                self._ignored_dir(path, out_ignored)
            return
        if self._is_repo(path):
            out.append(path + b"/")
            return
        if self.ignored_mode != "no":
            u, i, has = self._explore(path)
            if self.untracked_mode == "all":
                out += u
                out_ignored += i
            elif has:
                out.append(path + b"/")
                out_ignored += i
            elif self.ignored_mode == "matching":
                out_ignored += i
            elif i:
                out_ignored.append(path + b"/")
            return
        if self.untracked_mode == "normal":
            if self._has_untracked(path):
                out.append(path + b"/")
        else:
            self._list_all(path, out)

    def _entries(self, path):
        try:
            with os.scandir(self._abs(path)) as it:
                return [(de.name, de.is_dir(follow_symlinks=False),
                         de.is_file(follow_symlinks=False) or de.is_symlink())
                        for de in it]
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                return []
            raise

    def _has_untracked(self, path):
        """Does untracked directory *path* hold anything git would show?"""
        subdirs = []
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            sub = path + b"/" + name
            if is_dir:
                subdirs.append(sub)
            elif is_file and not self.is_ignored(sub, False):
                return True
        for sub in subdirs:
            if self.is_ignored(sub, True):
                continue
            if self._is_repo(sub) or self._has_untracked(sub):
                return True
        return False

    def _list_all(self, path, out):
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            sub = path + b"/" + name
            if is_dir:
                if self.is_ignored(sub, True):
                    continue
                if self._is_repo(sub):
                    out.append(sub + b"/")
                else:
                    self._list_all(sub, out)
            elif is_file and not self.is_ignored(sub, False):
                out.append(sub)

    # -- ignored paths (--ignored) ---------------------------------------------
    def _explore(self, path):
        """Untracked directory *path* (neither ignored nor a repository), for
        --ignored: (untracked paths as -uall lists them, ignored paths with
        the subdirectories collapsed as the modes collapse them, whether
        anything untracked is inside)."""
        untracked = []
        ignored = []
        has = False
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            sub = path + b"/" + name
            if is_dir:
                if self.is_ignored(sub, True):
                    self._ignored_dir(sub, ignored)
                elif self._is_repo(sub):
                    untracked.append(sub + b"/")
                    has = True
                else:
                    u, i, sub_has = self._explore(sub)
                    untracked += u
                    if sub_has or self.untracked_mode == "all" \
                            or self.ignored_mode == "matching":
                        ignored += i
                    elif i:
                        ignored.append(sub + b"/")
                    has = has or sub_has
            elif is_file:
                if self.is_ignored(sub, False):
                    ignored.append(sub)
                else:
                    untracked.append(sub)
                    has = True
        return untracked, ignored, has

    def _ignored_dir(self, path, out):
        """A directory the ignore rules match, as --ignored shows it."""
        if self.ignored_mode == "matching":
            out.append(path + b"/")
        elif self._is_repo(path):
            out.append(path + b"/")
        elif self.untracked_mode == "normal":
            if self._has_file(path):
                out.append(path + b"/")
        else:
            self._all_files(path, out)

    def _has_file(self, path):
        subdirs = []
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            if is_dir:
                subdirs.append(path + b"/" + name)
            elif is_file:
                return True
        return any(self._is_repo(sub) or self._has_file(sub) for sub in subdirs)

    def _all_files(self, path, out):
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            sub = path + b"/" + name
            if is_dir:
                if self._is_repo(sub):
                    out.append(sub + b"/")
                else:
                    self._all_files(sub, out)
            elif is_file:
                out.append(sub)
