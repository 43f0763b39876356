"""git's ignore rules, for untracked paths only, asked of git itself.

`git check-ignore --stdin -z` answers each path as it reads it, so it runs
beside the scan as a co-process, started on the first question (most
statuses ask none) and stopped by close().  git answers from the files git
status reads (.gitignore files, info/exclude, core.excludesFile, `git -c`
included), by the same code, so every pattern git accepts is answered as
git status answers it.  libgit2 was asked before: importing pygit2 alone
cost a cold status 80-150 ms.

After a fork (status/parallel.py) a process asks a co-process of its own.
"""

import os
import subprocess

from git_fswatch.decline import Decline
from git_fswatch.repo.git import Git

ARGS = ["check-ignore", "--stdin", "-z", "--verbose", "--non-matching", "--no-index"]
# Pathspec settings that would change how check-ignore reads the paths we
# send (each goes as ":(top)<path>", the one pathspec magic check-ignore
# takes: the rest is then the path as it is, whatever its first character).
_PATHSPEC_VARS = ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS",
                  "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")


class Ignore:
    def __init__(self, git, worktree):
        env = {k: v for k, v in git.env.items() if k not in _PATHSPEC_VARS}
        # git flushes each answer to a pipe unless GIT_FLUSH=0 says not
        # to; then the answer would wait in git's buffer, and we for it
        env["GIT_FLUSH"] = "1"
        self.git = Git(env, worktree)
        self.proc = None
        self.owner = None      # the pid that started proc
        self.calls = 0

    def _start(self):
        self.forget()
        try:
            # standard error to /dev/null: a pipe nobody reads could fill
            # up and stop git; a failure shows as the end of its output
            self.proc = self.git.popen(ARGS, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        except OSError as e:
            raise Decline("git-failed", "cannot run git check-ignore: %s" % e)
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
                    raise Decline("git-failed", "git check-ignore stopped (at %s)"
                                  % os.fsdecode(path))
                got += chunk
        except OSError as e:
            raise Decline("git-failed", "git check-ignore failed: %s" % e)
        fields = got.split(b"\0")
        if len(fields) != 5 or fields[3] != spec:
            raise Decline("git-failed", "git check-ignore answered out of turn")
        pattern = fields[2]
        # a negated pattern ("!keep.o") matching says: not ignored
        return bool(pattern) and not pattern.startswith(b"!")
