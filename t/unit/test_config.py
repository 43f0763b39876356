"""core.fswatchHelper resolution (credential-helper rules)."""

import subprocess

import pytest

from git_fswatch.repo import helpers
from git_fswatch.repo.config import Config
from git_fswatch.repo.git import Git
from testlib import git


@pytest.mark.parametrize("value,command,builtin,timeout", [
    ("notify", "git fswatch-notify", True, helpers.DEFAULT_TIMEOUT),
    ("notify --timeout=600", "git fswatch-notify --timeout=600", True, 600),
    ("notify --timeout 5", "git fswatch-notify --timeout 5", True, 5),
    ("  notify  ", "git fswatch-notify", True, helpers.DEFAULT_TIMEOUT),
    # Options we do not know, or that a shell would change: run it.
    ("notify --verbose", "git fswatch-notify --verbose", False, helpers.DEFAULT_TIMEOUT),
    ("notify --timeout=0", "git fswatch-notify --timeout=0", False, helpers.DEFAULT_TIMEOUT),
    ("notify --timeout=$T", "git fswatch-notify --timeout=$T", False, helpers.DEFAULT_TIMEOUT),
    ("notifyx", "git fswatch-notifyx", False, helpers.DEFAULT_TIMEOUT),
    ("watchman --sock x", "git fswatch-watchman --sock x", False, helpers.DEFAULT_TIMEOUT),
    ("/opt/helper -v", "/opt/helper -v", False, helpers.DEFAULT_TIMEOUT),
    ("!f() { echo; }; f", "f() { echo; }; f", False, helpers.DEFAULT_TIMEOUT),
])
def test_resolve(value, command, builtin, timeout):
    helper = helpers.resolve(value)
    assert helper.command == command
    assert helper.builtin is builtin
    assert helper.timeout == timeout


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_helper(value):
    assert helpers.resolve(value) is None


def test_argv_appends_the_action_through_the_shell(tmp_path):
    helper = helpers.resolve("!printf '%s|'")
    out = subprocess.run(helper.argv("listdir", "a b"), stdout=subprocess.PIPE,
                         check=True).stdout
    assert out == b"listdir|a b|"


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "", "x", "\u0661"])
def test_bad_timeouts(text):
    with pytest.raises(ValueError):
        helpers.parse_timeout(text)


def _repo(top, *values):
    for v in values:
        git("config", "--add", helpers.KEY, v, cwd=top)
    return Config.read(Git(cwd=top))


def test_last_value_wins(repo):
    config = _repo(repo, "first", "notify --timeout=9")
    helper = helpers.helper_for(config)
    assert helper.builtin and helper.timeout == 9


def test_empty_value_resets(repo):
    config = _repo(repo, "notify", "")
    assert helpers.helper_for(config) is None


def test_unset(repo):
    assert helpers.helper_for(_repo(repo)) is None
