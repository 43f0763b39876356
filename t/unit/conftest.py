"""The fixtures every test in t/unit may use (plain functions are in testlib.py).

Every test runs in t/test-lib.sh's environment (testlib.clean_env), with HOME
an empty directory shared by the session; a test that writes to HOME or
reads git's global configuration asks for ``home`` (HOME in its own
directory).  ``repo`` is an empty repository there; a module that needs
files in it overrides the fixture, asking for this one::

    @pytest.fixture
    def repo(repo):
        git("commit", "-q", "--allow-empty", "-m", "one", cwd=repo)
        return repo
"""

import os

import pytest

from git_fswatch import trace
from testlib import clean_env, git


@pytest.fixture(scope="session", autouse=True)
def _clean_environment(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    env = clean_env(home)
    with pytest.MonkeyPatch.context() as mp:
        for k in list(os.environ):
            if k not in env:
                mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        trace.reset()
        yield
    trace.reset()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """HOME, and so git's global configuration, in this test's tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def repo(home):
    """An empty repository on branch main: the path of its worktree,
    tmp_path/repo (HOME is tmp_path)."""
    top = str(home / "repo")
    git("init", "-q", "-b", "main", top)
    return top


@pytest.fixture
def trace_file(tmp_path, monkeypatch):
    """GIT_FSWATCH_TRACE to tmp_path/trace for this test (read it with
    testlib.trace_events); this process's trace follows it and forgets it
    after the test."""
    path = str(tmp_path / "trace")
    monkeypatch.setenv("GIT_FSWATCH_TRACE", path)
    trace.reset()
    yield path
    trace.reset()
