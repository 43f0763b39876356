"""The status cache: `<git-dir>/fswatch/status.cache`.

What a full scan found, per tracked directory, and the fswatch token that was
current when the scan began, so that the next status only examines the
directories around the paths the helper reports since that token.

The file is written to a temporary file beside it and renamed into place, so
a reader sees the old or the new file, never half of one.  It starts with a
versioned header and the key: everything the results depend on besides the
worktree itself (the index, HEAD, the ignore and attribute files git reads
outside the worktree, the request's untracked mode).  load() returns None on
any mismatch or damage: the caller then scans in full.

Layout after the header line: NUL-ended records.  "k<name>=<value>" key
records, then per directory "d<dir>", followed by its "c<y><octal mode>:<path>"
(a tracked file that differs), "u<path>" (untracked), "i<path>" (ignored) and
"r<mtime>:<dir>" (an untracked directory relied on) records, then "e".  Between the keys and the directories, optionally, "M" and
"m<start>:<end>:<count>:<len(dir)>:<len(prev)>:<dir><prev><last>" records:
the index map (see Cache).
(the end).
"""

import os

from git_fswatch.wire import place

MAGIC = b"git-fswatch status cache 5\n"
FILE_NAME = "status.cache"


class Cache:
    def __init__(self, key, token, dirs, index_map=None):
        self.key = key          # {str: str}
        self.token = token      # the helper's token when the scan began
        # {dir: (start, end, count, prev, last)}: where in the index file (of
        # the identity in key) the entries below each tracked directory lie,
        # or None; see status/tree.py's index_map()
        self.index_map = index_map
        # {dir: ({path: (y, mode)}, [untracked], [ignored], [(dir, mtime)])}:
        # the last list holds the untracked directories the answer relied
        # on (scan.Scanner._rely)
        self.dirs = dirs


def _path(repo, create):
    return os.path.join(place.private_dir(repo.git_dir, repo.worktree, create=create), FILE_NAME)


def encode(cache):
    out = [MAGIC]
    rec = out.append
    for k in sorted(cache.key):
        rec(b"k%s=%s\0" % (k.encode(), cache.key[k].encode("utf-8", "surrogateescape")))
    rec(b"ktoken=%s\0" % cache.token.encode())
    if cache.index_map is not None:
        rec(b"M\0")
        for d, (start, end, count, prev, last) in sorted(cache.index_map.items()):
            rec(b"m%d:%d:%d:%d:%d:%s%s%s\0" % (start, end, count, len(d), len(prev),
                                                d, prev, last))
    for d in sorted(cache.dirs):
        changes, untracked, ignored, relied = cache.dirs[d]
        if not changes and not untracked and not ignored and not relied:
            continue
        rec(b"d%s\0" % d)
        for path in sorted(changes):
            y, mode = changes[path]
            rec(b"c%s%o:%s\0" % (y.encode(), mode, path))
        for path in untracked:
            rec(b"u%s\0" % path)
        for path in ignored:
            rec(b"i%s\0" % path)
        for path, mtime in relied:
            rec(b"r%d:%s\0" % (mtime, path))
    rec(b"e\0")
    return b"".join(out)


def decode(data):
    """Cache from bytes, or None when the bytes are not a whole cache file."""
    if not data.startswith(MAGIC) or not data.endswith(b"e\0"):
        return None
    key = {}
    dirs = {}
    index_map = None
    current = None
    for r in data[len(MAGIC):-2].split(b"\0")[:-1]:
        t = r[:1]
        if t == b"c" and current is not None:
            meta, _, path = r[1:].partition(b":")
            current[0][path] = (chr(meta[0]), int(meta[1:], 8))
        elif t == b"u" and current is not None:
            current[1].append(r[1:])
        elif t == b"i" and current is not None:
            current[2].append(r[1:])
        elif t == b"r" and current is not None:
            mtime, _, path = r[1:].partition(b":")
            current[3].append((path, int(mtime)))
        elif t == b"d":
            current = dirs[r[1:]] = ({}, [], [], [])
        elif t == b"M" and current is None:
            index_map = {}
        elif t == b"m" and current is None and index_map is not None:
            start, end, count, dlen, plen, rest = r[1:].split(b":", 5)
            dlen, plen = int(dlen), int(plen)
            index_map[rest[:dlen]] = (int(start), int(end), int(count),
                                      rest[dlen:dlen + plen], rest[dlen + plen:])
        elif t == b"k" and current is None:
            k, _, v = r[1:].partition(b"=")
            key[k.decode()] = v.decode("utf-8", "surrogateescape")
        else:
            return None
    token = key.pop("token", None)
    if not token:
        return None
    return Cache(key, token, dirs, index_map)


def load(repo):
    """The cache if there is a whole one, else None (check its key!)."""
    try:
        with open(_path(repo, False), "rb") as f:
            data = f.read()
    except (OSError, place.UnsafeDirectory):
        return None
    try:
        cache = decode(data)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None
    return cache


def store(repo, cache):
    """Write the cache atomically; a failure only costs the next status time."""
    try:
        path = _path(repo, True)
        # a name no other writer uses (tempfile's import costs a cold
        # status more than the whole write)
        tmp = "%s.%d.%s" % (path, os.getpid(), os.urandom(4).hex())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except (OSError, place.UnsafeDirectory):
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(encode(cache))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True


def invalidate(repo):
    try:
        os.unlink(_path(repo, False))
    except (OSError, place.UnsafeDirectory):
        pass
