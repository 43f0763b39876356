"""The private directory: one per worktree of a git dir (wire/place.py)."""

import os
import stat

import pytest

from git_fswatch.wire import place
from testlib import git


def test_the_worktree_a_git_dir_belongs_to_gets_fswatch(repo, tmp_path):
    top = os.path.realpath(repo)
    git_dir = os.path.join(top, ".git")
    assert place.private_path(git_dir, top) == os.path.join(git_dir, "fswatch")
    # a linked worktree: its own git dir, whose gitdir file names it
    linked = os.path.realpath(str(tmp_path / "linked"))
    git("commit", "-q", "--allow-empty", "-m", "one", cwd=repo)
    git("worktree", "add", "-q", "--detach", linked, cwd=repo)
    linked_git_dir = os.path.join(git_dir, "worktrees", "linked")
    assert place.private_path(linked_git_dir, linked) == \
        os.path.join(linked_git_dir, "fswatch")


def test_another_worktree_of_the_same_git_dir_gets_its_own(repo, tmp_path):
    top = os.path.realpath(repo)
    git_dir = os.path.join(top, ".git")
    other = os.path.realpath(str(tmp_path / "elsewhere"))
    mine = place.private_path(git_dir, other)
    assert os.path.dirname(mine) == os.path.join(git_dir, "fswatch", "worktrees")
    assert mine != place.private_path(git_dir, other + "2")
    # bytes in, bytes out
    assert place.private_path(os.fsencode(git_dir), os.fsencode(other)) == os.fsencode(mine)
    made = place.private_dir(git_dir, other)
    assert made == mine
    for d in (os.path.join(git_dir, "fswatch"), os.path.dirname(mine), mine):
        assert stat.S_IMODE(os.lstat(d).st_mode) == 0o700


def test_a_loose_directory_on_the_way_is_refused(repo, tmp_path):
    git_dir = os.path.join(os.path.realpath(repo), ".git")
    other = os.path.realpath(str(tmp_path / "elsewhere"))
    place.private_dir(git_dir, other)
    os.chmod(os.path.join(git_dir, "fswatch", "worktrees"), 0o755)
    with pytest.raises(place.UnsafeDirectory, match="too loose"):
        place.private_dir(git_dir, other)
