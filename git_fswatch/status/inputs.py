"""The status engine's seam: everything a computation reads from outside.

A status is a pure function of the worktree, the git dir's files and an
Inputs object, passed explicitly to render() and compute():

- env and cwd: the environment and working directory of the user's command
  (never this process's, which may be the helper's daemon);
- isatty: whether that command's standard output is a terminal;
- git: the runner for git commands (repo/git.py), with that env and cwd,
  and maybe a memo of read-only commands;
- config(): git's configuration as that command's git sees it, read once;
- load_cache() / store_cache(): the status cache (status/cache.py);
- changed_since(): what the helper says changed since a token;
- read_index(): the index file's bytes and their stat.

DiskInputs is the command line's: it reads the disk and asks the helper
over its socket (the API's changed_since is given to it: the status layer
does not reach up to the client).  The helper's daemon has its own, which
answers from memory (server/warm_inputs.py).  Nothing in a computation
looks at os.environ, os.getcwd() or isatty(1) itself.
"""

import os

from git_fswatch.repo import index as ix
from git_fswatch.repo.config import Config
from git_fswatch.repo.git import Git
from git_fswatch.status import cache


class Inputs:
    """The interface; DiskInputs and the daemon's MemoryInputs implement it."""

    def __init__(self, env, cwd, isatty, git):
        self.env = env
        self.cwd = cwd
        self.isatty = isatty
        self.git = git
        self._config = None

    def config(self):
        """git's configuration (repo/config.py), read once."""
        if self._config is None:
            self._config = Config.read(self.git)
        return self._config

    def load_cache(self, repo, req):
        raise NotImplementedError

    def store_cache(self, repo, req, status_cache):
        raise NotImplementedError

    def changed_since(self, repo, token):
        """A wire.protocol.Changes, or None when no helper is to be asked."""
        raise NotImplementedError

    def read_index(self, path):
        """(bytes-like, stat) of the index at *path*, or (None, None)."""
        raise NotImplementedError


class DiskInputs(Inputs):
    """The command line's inputs: its own environment, directory and
    terminal, the status cache on disk, and *changed_since* (the API's,
    or None: never ask a helper)."""

    def __init__(self, env=None, cwd=None, isatty=None, changed_since=None):
        env = dict(os.environ) if env is None else env
        cwd = os.getcwd() if cwd is None else cwd
        if isatty is None:
            isatty = os.isatty(1)
        Inputs.__init__(self, env, cwd, isatty, Git(env, cwd))
        self._changed_since = changed_since

    def load_cache(self, repo, req):
        return cache.load(repo)

    def store_cache(self, repo, req, status_cache):
        return cache.store(repo, status_cache)

    def changed_since(self, repo, token):
        if self._changed_since is None:
            return None
        return self._changed_since(repo, token, self.config())

    def read_index(self, path):
        return ix.read_bytes(path)
