"""The one way git commands are run: Git, a runner for one computation.

A Git holds the environment and the working directory its commands run
with, given by whoever starts the computation: the command line passes its
own, the helper's daemon passes its client's (so no computation ever
changes this process's environment or directory).  It may also hold a Memo:
then read-only commands (configuration, rev-parse, diff-index --cached,
for-each-ref) are answered from what they printed before, for as long as
the memo's owner says nothing they read can have changed.

    git = Git(env, cwd)
    proc = git.run(["rev-parse", "HEAD"])          # proc.returncode, .stdout, .stderr
    with git.job(["diff-index", ...]) as job:       # runs while we do other work
        ...
        out = job.result()
"""

import os
import subprocess

# Commands whose output depends only on their arguments, environment and
# working directory, the git dir and the configuration files.
READ_ONLY = (("config", "-z", "--list"), ("rev-parse",), ("diff-index", "--cached"),
             ("for-each-ref",))


def _read_only(args):
    return any(tuple(args[:len(p)]) == p for p in READ_ONLY)


class Result:
    """What a command did: returncode, stdout, stderr (bytes)."""
    __slots__ = ("args", "returncode", "stdout", "stderr")

    def __init__(self, args, returncode, stdout, stderr):
        self.args, self.returncode, self.stdout, self.stderr = args, returncode, stdout, stderr


class Memo:
    """What read-only commands printed, for one context (whatever its owner
    says they depend on: the helper's daemon uses the git dir's generation
    and the identity of the configuration files).  Entering another context,
    or None (nothing may be remembered), forgets everything.

    `rev-parse --short` is never remembered (new objects can lengthen an
    abbreviation); `abbreviated` says one ran since the last clear_marks().
    """

    def __init__(self):
        self.context = None
        self.results = {}
        self.hits = 0
        self.abbreviated = False

    def enter(self, context):
        if context is None or context != self.context:
            self.results = {}
        self.context = context

    def clear_marks(self):
        self.abbreviated = False

    def usable(self, args):
        if "--short" in args:
            self.abbreviated = True
            return False
        return self.context is not None and _read_only(args)

    def get(self, key):
        done = self.results.get(key)
        if done is not None:
            self.hits += 1
        return done

    def put(self, key, result):
        self.results[key] = result


class Git:
    def __init__(self, env=None, cwd=None, memo=None):
        self.env = dict(os.environ) if env is None else env
        self.cwd = os.getcwd() if cwd is None else cwd
        self.memo = memo
        self._env_key = None

    def at(self, cwd):
        """The same runner, running its commands in *cwd*."""
        other = Git(self.env, cwd, self.memo)
        other._env_key = self._env_key
        return other

    def _environ(self, extra):
        if not extra:
            return self.env
        env = dict(self.env)
        env.update(extra)
        return env

    def _key(self, args, extra):
        if self.memo is None or not self.memo.usable(args):
            return None
        if self._env_key is None:
            self._env_key = tuple(sorted(self.env.items()))
        return (tuple(args), self.cwd, self._env_key,
                tuple(sorted(extra.items())) if extra else ())

    def run(self, args, input=None, extra_env=None):
        """Run `git <args>`; a Result."""
        key = self._key(args, extra_env) if input is None else None
        if key is not None:
            done = self.memo.get(key)
            if done is not None:
                return done
        proc = subprocess.run(["git"] + list(args), input=input, cwd=self.cwd,
                              env=self._environ(extra_env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done = Result(proc.args, proc.returncode, proc.stdout, proc.stderr)
        if key is not None:
            self.memo.put(key, done)
        return done

    def job(self, args, extra_env=None):
        """`git <args>` started now, its Result read later (Job.result())."""
        return Job(self, list(args), extra_env)

    def popen(self, args, extra_env=None, **kw):
        """A co-process (`git check-ignore --stdin`): never remembered."""
        return subprocess.Popen(["git"] + list(args), cwd=self.cwd,
                                env=self._environ(extra_env), **kw)


class Job:
    """A command running beside the caller's work.  Use it as a context
    manager: leaving it unread stops the command."""

    def __init__(self, git, args, extra_env):
        self.git = git
        self.key = git._key(args, extra_env)
        self.proc = None
        self.done = git.memo.get(self.key) if self.key is not None else None
        if self.done is None:
            self.proc = git.popen(args, extra_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)

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

    def result(self):
        if self.done is None:
            proc, self.proc = self.proc, None
            out, err = proc.communicate()
            self.done = Result(proc.args, proc.returncode, out, err)
            if self.key is not None:
                self.git.memo.put(self.key, self.done)
        return self.done
