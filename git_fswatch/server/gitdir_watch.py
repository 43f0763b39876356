"""The git dir, watched for the warm status host: any event counts.

The warm host (server/warm.py) may answer a status from memory only when
nothing it depends on changed.  In the worktree the journal says what
changed; in the git dir and the common dir, this watch does: HEAD, the
index, refs (and packed-refs), config, info/exclude and info/attributes,
the reflogs (stash count, detached HEAD names), MERGE_HEAD and the other
markers of an operation in progress.  Events on these directories (not on
files deeper down, except below refs/ and logs/) bump the generation.
"""

import os

from git_fswatch.watch import inotify
from git_fswatch.wire.place import PRIVATE_DIR_NAME

_GITDIR_MASK = (inotify.IN_MODIFY | inotify.IN_ATTRIB | inotify.IN_CLOSE_WRITE
                | inotify.IN_MOVED_FROM | inotify.IN_MOVED_TO
                | inotify.IN_CREATE | inotify.IN_DELETE
                | inotify.IN_DELETE_SELF | inotify.IN_MOVE_SELF
                | inotify.IN_ONLYDIR | inotify.IN_DONT_FOLLOW)
_RECURSIVE = ("refs", "logs")
_PRIVATE = PRIVATE_DIR_NAME.encode()


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
