"""A randomised differential test: git fswatch-status against git status.

A repository is mutated at random in bursts (files, directories, renames of
directories, same-size rewrites, mode changes, symlinks, odd names,
.gitignore edits, index operations, commits, branch switches, stashes,
conflicting merges); after each burst a few random argument sets and configs
are compared, end to end through the real command (and so through the
engine), and in-process through the oracle (the formatters alone).

Bounded in time: GIT_FSWATCH_TEST_RANDOM_SECONDS (default 10).  The seed is
GIT_FSWATCH_TEST_RANDOM_SEED or the time; a failure prints it and the
operations that led there, so that it can be replayed.
"""

import os
import random
import time

from git_fswatch.repo import discover
from git_fswatch.decline import Decline
from git_fswatch.status.inputs import DiskInputs
from git_fswatch.status.render import render
from git_fswatch.trace import parse

import oracle
from status_world import ARGS, CONFIGS, World
from testlib import clean_env, git, run_git, use_env


def _compare_end_to_end(world, args, config):
    env = clean_env(os.path.dirname(world.top), config)
    git = run_git("status", *args, cwd=world.top, env=env, check=False)
    trace = os.path.join(os.path.dirname(world.top), "trace")
    if os.path.exists(trace):
        os.unlink(trace)
    env["GIT_FSWATCH_TRACE"] = trace
    ours = run_git("fswatch-status", *args, cwd=world.top, env=env, check=False)
    with open(trace) as f:
        world.answered += any((parse(line) or ("",))[0] == "status.answered" for line in f)
    return (git.returncode, git.stdout, git.stderr), (ours.returncode, ours.stdout, ours.stderr)


def _compare_oracle(world, args, config, monkeypatch):
    env = clean_env(os.path.dirname(world.top), config)
    expect = git("status", *args, cwd=world.top, env=env, check=False)
    use_env(monkeypatch, env)
    monkeypatch.chdir(world.top)

    def compute(repo, req, inputs):
        extra = ["--no-renames"] if not req.renames else []
        st = oracle.status_from_git(world.top, req.untracked, req.ignored, extra)
        return st
    inputs = DiskInputs(env=dict(env), cwd=world.top, isatty=False)
    try:
        ours, _ = render(discover.discover(inputs.git), args, inputs, compute)
    except Decline:
        return None
    return expect, ours


def test_random_bursts(repo, monkeypatch):
    seed = int(os.environ.get("GIT_FSWATCH_TEST_RANDOM_SEED") or time.time())
    budget = float(os.environ.get("GIT_FSWATCH_TEST_RANDOM_SECONDS") or 10)
    rng = random.Random(seed)
    top = repo
    world = World(top, rng)
    world.write("a", "a\n")
    world.git("add", "a")
    world.git("commit", "-q", "-m", "first")
    deadline = time.monotonic() + budget
    compared = own = 0
    while time.monotonic() < deadline:
        for _ in range(rng.randrange(1, 8)):
            world.step()
        args, config = rng.choice(ARGS), rng.choice(CONFIGS)
        got = _compare_oracle(world, args, config, monkeypatch)
        if got is not None:
            own += 1
            assert got[0] == got[1], "seed %d, args %r, config %r, after %r\ngit:  %r\nours: %r" % (
                seed, args, config, world.log, got[0], got[1])
        args, config = rng.choice(ARGS), rng.choice(CONFIGS)
        expect, actual = _compare_end_to_end(world, args, config)
        assert expect == actual, "seed %d, args %r, config %r, after %r\ngit:  %r\nours: %r" % (
            seed, args, config, world.log, expect, actual)
        compared += 1
    print("random status: seed %d, %d end-to-end comparisons (%d answered without git),"
          " %d through the oracle, %d operations"
          % (seed, compared, world.answered, own, len(world.log)))
    assert compared > 0
