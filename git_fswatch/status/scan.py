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
import os
import stat
import struct
import time

from git_fswatch.decline import Decline
from git_fswatch.repo import discover
from git_fswatch.repo import index as ix
from git_fswatch.status.tree import S_IFGITLINK, _join



def worktree_mode(st_mode):
    """The mode git records for a file of this type, or 0 for other types."""
    if stat.S_ISREG(st_mode):
        return 0o100755 if st_mode & 0o100 else 0o100644
    if stat.S_ISLNK(st_mode):
        return 0o120000
    return 0


_pack = ix.STAT.pack
# entries that examine() leaves to _compare() whatever their stat data
_F_NOT_PLAIN = ix.F_SKIP | ix.F_ASSUME | ix.F_ITA


def hash_blob(data):
    import hashlib   # here: most scans hash nothing, and its import is slow
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.digest()


def hash_path(abspath, mode):
    """The blob id (20 bytes) of the file or symlink at *abspath*, or None
    if it vanished.  Files are hashed in chunks: a large one is never held
    in memory whole."""
    try:
        if mode == 0o120000:
            return hash_blob(os.readlink(abspath))
        with open(abspath, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            import hashlib
            h = hashlib.sha1(b"blob %d\0" % size)
            done = 0
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                done += len(chunk)
                h.update(chunk)
            if done != size:
                # the file changed while we read it: say so by a hash that
                # cannot match (the helper reports the change next time)
                return b"\0" * 20
            return h.digest()
    except (FileNotFoundError, NotADirectoryError):
        return None


def is_git_dir(path):
    """Does *path* look like a git directory, as git's is_git_directory()
    decides it: objects/ and refs/ directories and a HEAD file or symlink."""
    return (os.path.isdir(path + b"/objects") and os.path.isdir(path + b"/refs")
            and os.path.lexists(path + b"/HEAD"))


def relied_changed(top, relied):
    """Has any directory noted by Scanner._rely changed since?"""
    for path, mtime in relied:
        if mtime < 0:
            return True
        try:
            if os.lstat(top + b"/" + path).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


class Scanner:
    """Examines tracked directories of one worktree against one index.

    is_ignored(path, is_dir) answers git's ignore rules for an untracked path
    (bytes); untracked is "no", "normal" or "all"; ignored is "no",
    "traditional" or "matching" (and "no" whenever untracked is "no": git
    shows no ignored path then).
    """

    def __init__(self, worktree, index_mtime_ns, tree, is_ignored, untracked,
                 on_attributes=None, ignored="no", on_gitignore=None):
        self.on_gitignore = on_gitignore
        self.ignored_mode = ignored if untracked != "no" else "no"
        self.on_attributes = on_attributes
        self.top = os.fsencode(worktree)
        self.tree = tree
        # an entry whose mtime (seconds, big-endian bytes 8-12 of its stat
        # data) is not older than the index file's is racily clean
        self.racy_from = ix.STAT.pack(0, 0, (index_mtime_ns // 1000000000) & 0xFFFFFFFF,
                                      0, 0, 0, 0, 0, 0, 0)[8:12]
        self.racy_from_s = (index_mtime_ns // 1000000000) & 0xFFFFFFFF
        self.is_ignored = is_ignored
        self.untracked_mode = untracked
        self.hashed = 0
        # untracked directories whose listing or .git the last examine()
        # relied on, with their mtimes (see relied_on)
        self.relied = []
        self._fresh_from = time.time_ns() - 2 * 1000000000
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
        self.relied = []
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
        see = seen.add
        lookup = files.get
        pack = _pack
        racy_from = self.racy_from_s
        with listing:
            for de in listing:
                name = de.name
                if name[:4] == b".git":
                    # tracked or not, the rules files must be looked at
                    if name == b".gitignore" and self.on_gitignore:
                        self.on_gitignore(d, self._abs(_join(d, name)))
                    elif name == b".gitattributes" and self.on_attributes:
                        self.on_attributes(self._abs(_join(d, name)))
                e = lookup(name)
                if e is not None and not e[4] & _F_NOT_PLAIN:
                    # The common case, inlined: a plain entry whose stat
                    # data are exactly what lstat says (dev included, and
                    # the mode as lstat gives it, so a regular file of mode
                    # 0644 or 0755 only) and older than the index file is
                    # clean.  Anything else is decided by _compare().
                    st = de.stat(follow_symlinks=False)
                    mt = st.st_mtime_ns
                    ct = st.st_ctime_ns
                    ms = mt // 1000000000
                    try:
                        mine = pack(ct // 1000000000, ct % 1000000000, ms, mt % 1000000000,
                                    st.st_dev, st.st_ino, st.st_mode, st.st_uid, st.st_gid,
                                    st.st_size)
                    except struct.error:
                        # a field wider than 32 bits: truncated, as git stores it
                        ms &= 0xFFFFFFFF
                        mine = pack((ct // 1000000000) & 0xFFFFFFFF, ct % 1000000000, ms,
                                    mt % 1000000000, st.st_dev & 0xFFFFFFFF,
                                    st.st_ino & 0xFFFFFFFF, st.st_mode & 0xFFFFFFFF,
                                    st.st_uid & 0xFFFFFFFF, st.st_gid & 0xFFFFFFFF,
                                    st.st_size & 0xFFFFFFFF)
                    if ms < racy_from and e[5] == mine:
                        see(name)
                        continue
                if e is not None or name in names:
                    if e is not None:
                        see(name)
                        self._compare(d, name, e, de, changes)
                    if self.untracked_mode != "no" and de.is_dir(follow_symlinks=False):
                        path = _join(d, name)
                        if self.ignored_mode != "no" and (
                                self.is_ignored(path, True) or self._is_repo(path)
                                or self._holds_ignored(path)):
                            # git 2.39 shows ignored paths in it by rules of
                            # its own (f/y.o; f/sub/ for f/sub/ign/q; all of
                            # f/ when f is ignored, but only with -uall)
                            raise Decline("ignored-in-tracked-path",
                                          "--ignored with a directory where a file is"
                                          " tracked: %s" % os.fsdecode(path))
                        if self.untracked_mode != "all":
                            continue
                        # git -uall (not -unormal) lists what a directory
                        # standing where a file is tracked holds, unless it
                        # is a repository
                        if not self._is_repo(path) and not self.is_ignored(path, True):
                            self._list_all(path, untracked)
                    continue
                if name == b".git":
                    continue
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
                    if name == b".gitignore" and e[4] & ix.F_SKIP and \
                            self.untracked_mode != "no":
                        # git reads its patterns from the index then
                        raise Decline("skip-worktree-gitignore",
                                      "a skip-worktree .gitignore missing in %s"
                                      % (os.fsdecode(d) or "the top"))
                    if name == b".gitattributes" and self.on_attributes:
                        # git reads the attributes of a tracked file
                        # missing from the worktree from the index
                        raise Decline("missing-gitattributes",
                                      "a tracked .gitattributes missing in %s"
                                      % (os.fsdecode(d) or "the top"))
                    self._missing(_join(d, name), e, changes)
        return changes, untracked, ignored, real_subdirs

    def _missing(self, path, e, changes):
        if e[ix.FLAGS] & (ix.F_SKIP | ix.F_ASSUME):
            return
        changes[path] = ("D", 0)

    def _compare(self, d, name, e, de, changes):
        flags = e[4]
        if flags & (ix.F_SKIP | ix.F_ASSUME):
            return
        st = de.stat(follow_symlinks=False)
        sm = st.st_mode & 0o170000
        if sm == 0o100000:
            mode = 0o100755 if st.st_mode & 0o100 else 0o100644
        elif sm == 0o120000:
            mode = 0o120000
        else:
            mode = 0
        imode = e[1]
        if flags & ix.F_ITA:
            changes[_join(d, name)] = ("A", mode) if mode else ("D", 0)
            return
        if imode == S_IFGITLINK:
            raise Decline("submodule", os.fsdecode(_join(d, name)))
        if mode != imode:
            if not mode:
                # a directory (or a fifo...) where a file was tracked
                changes[_join(d, name)] = ("D", 0)
            elif (mode == 0o120000) != (imode == 0o120000):
                changes[_join(d, name)] = ("T", mode)
            else:
                changes[_join(d, name)] = ("M", mode)
            return
        sd = e[5]
        cs, cn = divmod(st.st_ctime_ns, 1000000000)
        ms, mn = divmod(st.st_mtime_ns, 1000000000)
        size = st.st_size
        mine = _pack(cs & 0xFFFFFFFF, cn, ms & 0xFFFFFFFF, mn, 0, st.st_ino & 0xFFFFFFFF,
                     imode, st.st_uid & 0xFFFFFFFF, st.st_gid & 0xFFFFFFFF,
                     size & 0xFFFFFFFF)
        # dev (bytes 16-20) is left out: it may change across reboots
        if sd[20:] == mine[20:] and sd[:16] == mine[:16] and sd[8:12] < self.racy_from:
            return
        path = _join(d, name)
        # stat data cannot decide: compare contents, unless the size does
        # (git smudges racily clean entries to size 0: those are hashed)
        if mode != 0o120000 and size >> 32 == 0 and sd[36:40] != mine[36:40] \
                and sd[36:40] != b"\0\0\0\0":
            changes[path] = ("M", mode)
            return
        self.hashed += 1
        oid = hash_path(self._abs(path), mode)
        if oid is None:
            changes[path] = ("D", 0)
        elif oid != e[ix.OID]:
            if sd[0:4] == mine[0:4] and sd[8:12] == mine[8:12] and \
                    sd[20:] == mine[20:] and sd[8:12] < self.racy_from:
                # only the nanoseconds tell: git built without USE_NSEC (the
                # default) compares whole seconds and calls the file clean
                raise Decline("nanosecond-change", "%s changed within the second of"
                              " its stat data" % os.fsdecode(path))
            changes[path] = ("M", mode)

    # -- untracked directories ------------------------------------------
    def _rely(self, path):
        """Note that the answer depends on untracked directory *path* as it
        is now: the helper does not report a .git appearing in it, but its
        mtime changes.  A directory changed in the last two seconds is noted
        with mtime -1 (always look again), for the same reason as racy git:
        a change in the same timestamp tick would keep its mtime."""
        try:
            mtime = os.lstat(self._abs(path)).st_mtime_ns
        except OSError:
            mtime = -1
        if mtime >= self._fresh_from:
            mtime = -1
        self.relied.append((path, mtime))

    def _is_repo(self, path):
        """Is *path* the worktree of another repository (git shows it as
        one untracked "dir/" and never looks inside)?"""
        self._rely(path)
        dotgit = self._abs(path) + b"/.git"
        try:
            st = os.lstat(dotgit)
        except OSError:
            return False
        if stat.S_ISDIR(st.st_mode):
            return is_git_dir(dotgit)
        if not stat.S_ISREG(st.st_mode):
            return False
        target = discover.gitfile_target(dotgit)
        return target is not None and is_git_dir(os.path.join(self._abs(path), target))

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
        self._rely(path)
        try:
            with os.scandir(self._abs(path)) as it:
                out = [(de.name, de.is_dir(follow_symlinks=False),
                        de.is_file(follow_symlinks=False) or de.is_symlink())
                       for de in it]
        except OSError as e:
            if e.errno in (errno.ENOENT, errno.ENOTDIR):
                return []
            raise
        if self.on_gitignore:
            for name, _, _ in out:
                if name == b".gitignore":
                    self.on_gitignore(path, self._abs(path + b"/.gitignore"))
        return out

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

    def _holds_ignored(self, path):
        """Does untracked directory *path* hold an ignored path (a
        repository inside is not looked into)?"""
        for name, is_dir, is_file in self._entries(path):
            if name == b".git":
                continue
            sub = path + b"/" + name
            if is_dir:
                if self.is_ignored(sub, True):
                    return True
                if not self._is_repo(sub) and self._holds_ignored(sub):
                    return True
            elif is_file and self.is_ignored(sub, False):
                return True
        return False

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
