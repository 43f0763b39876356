"""The test harness itself: conftest.py's environment and fixtures, testlib.py."""

import os
import subprocess
import sys

import pytest

from git_fswatch import trace
from testlib import BIN, GitFailed, alive, clean_env, git, trace_events, wait_gone


def test_every_test_runs_in_a_clean_environment():
    assert os.environ["GIT_CONFIG_NOSYSTEM"] == "1"
    assert os.environ["LC_ALL"] == "C"
    assert os.environ["PATH"].split(os.pathsep)[0] == BIN
    ours = clean_env("/h", base={})
    assert not [k for k in os.environ if k.startswith(("GIT_", "XDG_")) and k not in ours and
                not k.startswith(("GIT_FSWATCH_TEST_", "GIT_FSWATCH_PYTHON"))]


def test_clean_env_keeps_the_test_knobs_only():
    base = {"PATH": "/usr/bin", "GIT_DIR": "/x", "XDG_CONFIG_HOME": "/y",
            "GIT_FSWATCH_TRACE": "1", "GIT_FSWATCH_TEST_SEED": "3",
            "GIT_FSWATCH_PYTHON": "/py", "EDITOR": "vi", "USER": "u"}
    env = clean_env("/h", {"b.x": "2", "a.y": "1"}, base=base, TERM="xterm")
    assert "GIT_DIR" not in env and "XDG_CONFIG_HOME" not in env and "EDITOR" not in env
    assert "GIT_FSWATCH_TRACE" not in env
    assert env["GIT_FSWATCH_TEST_SEED"] == "3" and env["GIT_FSWATCH_PYTHON"] == "/py"
    assert env["HOME"] == "/h" and env["USER"] == "u" and env["TERM"] == "xterm"
    assert env["PATH"] == BIN + os.pathsep + "/usr/bin"
    assert clean_env("/h", base=env)["PATH"] == env["PATH"]     # bin/ once
    assert [env[k] for k in ("GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0",
                             "GIT_CONFIG_KEY_1")] == ["2", "a.y", "1", "b.x"]
    assert "GIT_CONFIG_COUNT" not in clean_env("/h", base=base)


def test_repo_is_an_empty_repository_on_main_with_its_own_home(repo, tmp_path):
    assert os.environ["HOME"] == str(tmp_path)
    assert repo == str(tmp_path / "repo")
    assert git("symbolic-ref", "HEAD", cwd=repo) == b"refs/heads/main\n"
    assert git("ls-files", cwd=repo) == b""
    git("commit", "-q", "--allow-empty", "-m", "x", cwd=repo)
    assert git("log", "--format=%an <%ae>", cwd=repo) == b"A U Thor <author@example.com>\n"


def test_a_failing_git_says_why(tmp_path):
    with pytest.raises(GitFailed, match="not a git repository"):
        git("rev-parse", "HEAD", cwd=str(tmp_path))
    assert git("rev-parse", "HEAD", cwd=str(tmp_path), check=False) == b""


def test_trace_events(trace_file):
    assert trace_events(trace_file) == []
    trace.event("test.one", path=b"a\xffb", n=2)
    trace.trace("free %s", "words")
    with open(trace_file, "a") as f:
        f.write("not an event\n")
    assert trace_events(trace_file) == [("test.one", {"path": "a\\xffb", "n": 2}),
                                        ("note", {"message": "free words"})]


def test_wait_gone():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert alive(p.pid)
        with pytest.raises(AssertionError, match="did not go away"):
            wait_gone(p.pid, limit=0.1)
        p.kill()
        wait_gone(p.pid)                 # a zombie (not reaped yet) is gone
        assert not alive(p.pid)
    finally:
        p.kill()
        p.wait()
    assert not alive(p.pid)
