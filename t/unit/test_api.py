"""The client API: answers parsed strictly, every failure is Unavailable."""

import os

import pytest

from git_fswatch.client import api
from git_fswatch.repo import discover
from git_fswatch.repo.git import Git
from git_fswatch.wire import place
from git_fswatch.wire import protocol
from testlib import git


def msg(*records):
    return protocol.decode(protocol.encode(records))


def test_paths():
    c = api.parse_answer(msg(("version", 1), ("token", "i:3"),
                             ("path", b"a\nb"), ("path", b"d/")))
    assert c == api.Changes("i:3", False, [b"a\nb", b"d/"], None)


def test_no_paths_is_nothing_changed():
    assert api.parse_answer(msg(("version", 1), ("token", "i:3"))) == \
        api.Changes("i:3", False, [], None)


def test_everything():
    c = api.parse_answer(msg(("version", 1), ("token", "i:4"),
                             ("everything", "overflow"), ("path", "ignored")))
    assert c == api.Changes("i:4", True, [], "overflow")


def test_paths_without_a_token_are_not_trusted():
    c = api.parse_answer(msg(("version", 1), ("path", "a")))
    assert c.everything and c.token is None


def test_unknown_keys_ignored():
    c = api.parse_answer(msg(("version", 1), ("token", "t:1"), ("new-thing", "x")))
    assert c == api.Changes("t:1", False, [], None)


@pytest.mark.parametrize("records,what", [
    ([("error", "broken")], "says: broken"),
    ([("token", "t:1")], "version"),
    ([("version", 2), ("token", "t:1")], "version"),
    ([("version", 1), ("token", b"\xff")], "ASCII"),
    ([("version", 1), ("token", "t:1"), ("path", "/abs")], "bad path"),
    ([("version", 1), ("token", "t:1"), ("path", "")], "bad path"),
])
def test_unusable(records, what):
    with pytest.raises(api.Unavailable, match=what):
        api.parse_answer(msg(*records))


@pytest.fixture
def repo(repo):
    return discover.discover(Git(cwd=repo))


def _config(repo, value):
    git("config", "core.fswatchHelper", value, cwd=repo.worktree)


def test_no_helper(repo):
    with pytest.raises(api.Unavailable, match="no helper"):
        api.query(repo, None)
    c = api.changed_since(repo, "x:1")
    assert c.everything and c.token is None and c.reason.startswith("unavailable:")


def test_external_helper_round_trip(repo, tmp_path):
    log = tmp_path / "stdin"
    _config(repo, "!f() { cat >'%s'; printf 'version=1\\0token=n:2\\0path=x y\\0\\0'; }; f"
            % log)
    assert api.query(repo, "n:1") == api.Changes("n:2", False, [b"x y"], None)
    assert log.read_bytes() == b"token=n:1\0\0"


def test_external_helper_hanging_is_unavailable(repo, monkeypatch):
    monkeypatch.setattr(api, "EXTERNAL_TIMEOUT", 0.5)
    _config(repo, "!exec sleep 5 #")
    with pytest.raises(api.Unavailable, match="did not answer"):
        api.query(repo, None)


def test_builtin_helper_real_daemon(repo, monkeypatch):
    monkeypatch.setenv("GIT_FSWATCH_TEST_SPAWN_WAIT", "30")
    _config(repo, "notify --timeout=60")
    try:
        first = api.query(repo, None)
        assert first.everything and first.reason == "fresh" and first.token
        with open(os.path.join(repo.worktree, "new\nname"), "w"):
            pass
        second = api.query(repo, first.token)
        assert second == api.Changes(second.token, False, [b"new\nname"], None)
        assert second.token != first.token
    finally:
        from git_fswatch.client import connect
        connect.ask(repo, place.private_dir(repo.git_dir, repo.worktree),
                   [("version", 1), ("action", "exit")], spawn=False)
    assert not os.path.exists(os.path.join(repo.git_dir, "fswatch", "notify.sock"))
