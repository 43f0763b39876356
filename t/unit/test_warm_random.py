"""The randomised differential test, with the warm engine on.

test_status_random.py's world (files, directories, renames, modes,
symlinks, odd names, ignore rules, index operations, commits, branch
switches, stashes, merges) is mutated in bursts while the helper's daemon
runs, with changes of its own that only the warm engine's invalidation sees
(configuration in the repository and in HOME, info/exclude, packed refs, a
detached HEAD, branches moved under an upstream); after each burst
`git fswatch-status` (answered by the daemon, from
memory or computed) is compared end to end with `git status`, for random
arguments and configuration, and asked twice so that the second answer is
the remembered one.

Bounded in time: GIT_FSWATCH_TEST_WARM_SECONDS (default 10).  The seed is
GIT_FSWATCH_TEST_RANDOM_SEED or the time; a failure prints it and the
operations that led there.
"""

import os
import random
import time

import status_world as world_lib
from testlib import clean_env, run_git

from git_fswatch.trace import parse


def _run(world, args, config, trace=None):
    """git *args* in the world, with *config*, tracing to *trace*."""
    env = clean_env(os.path.dirname(world.top), config, GIT_FSWATCH_TEST_SPAWN_WAIT="30")
    if trace:
        env["GIT_FSWATCH_TRACE"] = trace
    p = run_git(*args, cwd=world.top, env=env, check=False)
    return p.returncode, p.stdout, p.stderr


def _warm_step(world, rng):
    """Changes that only the warm engine's own invalidation sees: the git
    dir, packed refs, the repository's and the global configuration."""
    # the global files are rewritten seldom: for RACY seconds after, no
    # answer is remembered
    op = rng.choice(["config", "unconfig", "exclude", "pack-refs", "detach", "update-ref",
                     "upstream"] * 5 + ["global"])
    world.log.append(("warm-" + op, ""))
    home = os.path.dirname(world.top)
    if op == "config":
        key = rng.choice(["status.showUntrackedFiles", "advice.statusHints",
                          "status.relativePaths", "core.quotePath"])
        values = ["no", "normal", "all"] if key == "status.showUntrackedFiles" else ["false", "true"]
        world.git("config", key, rng.choice(values))
    elif op == "unconfig":
        for key in ("status.showUntrackedFiles", "advice.statusHints",
                    "status.relativePaths", "core.quotePath"):
            world.git("config", "--unset", key)
    elif op == "exclude":
        with open(os.path.join(world.top, ".git", "info", "exclude"), "a") as f:
            f.write(rng.choice(["z\n", "*.o\n", "sub/\n", "x*\n"]))
    elif op == "pack-refs":
        world.git("pack-refs", "--all")
    elif op == "detach":
        world.git("checkout", "-q", "--detach")
    elif op == "update-ref":
        world.git("update-ref", "refs/heads/" + rng.choice(["topic", "side"]), "HEAD")
    elif op == "global":
        with open(os.path.join(home, ".gitconfig"), "w") as f:
            f.write(rng.choice(["", "[status]\n\tshort = true\n",
                                "[advice]\n\tstatusHints = false\n",
                                "[core]\n\texcludesFile = %s/ignore\n" % home]))
        with open(os.path.join(home, "ignore"), "w") as f:
            f.write(rng.choice(["", "a\n", "*.o\n", "d*\n"]))
    elif op == "upstream":
        world.git("config", "branch.main.remote", ".")
        world.git("config", "branch.main.merge", "refs/heads/" + rng.choice(["topic", "side"]))


def _warm(world, args, config, trace):
    if os.path.exists(trace):
        os.unlink(trace)
    got = _run(world, ["fswatch-status"] + args, config, trace)
    how = None
    with open(trace) as f:
        for name, fields in filter(None, map(parse, f)):
            if name == "status.warm":
                how = fields["how"]
            elif name == "status.not-warm" and how is None:
                how = "not warm: " + fields["why"][:60]
    return got, how


def test_warm_random_bursts(repo, tmp_path):
    seed = int(os.environ.get("GIT_FSWATCH_TEST_RANDOM_SEED") or time.time())
    budget = float(os.environ.get("GIT_FSWATCH_TEST_WARM_SECONDS") or 10)
    rng = random.Random(seed)
    top = repo
    world = world_lib.World(top, rng)
    world.write("a", "a\n")
    world.git("add", "a")
    world.git("commit", "-q", "-m", "first")
    world.git("config", "core.fswatchHelper", "notify")
    trace = str(tmp_path / "trace")
    assert _run(world, ["fswatch-notify", "start"], {})[0] == 0
    hows = {}
    compared = 0
    try:
        deadline = time.monotonic() + budget
        while time.monotonic() < deadline:
            for _ in range(rng.randrange(1, 8)):
                if rng.random() < 0.25:
                    _warm_step(world, rng)
                else:
                    world.step()
            args, config = rng.choice(world_lib.ARGS), rng.choice(world_lib.CONFIGS)
            expect = _run(world, ["--no-optional-locks", "status"] + args, config)
            for _ in range(2):
                actual, how = _warm(world, args, config, trace)
                hows[how] = hows.get(how, 0) + 1
                assert expect == actual, (
                    "seed %d, args %r, config %r, answer %s, after %r\ngit:  %r\nours: %r"
                    % (seed, args, config, how, world.log, expect, actual))
            compared += 1
        # At the end, one request surely remembered: attached HEAD, no
        # negated ignore pattern, no global files (a file changed less than
        # warm.RACY seconds ago is not trusted, and utime() sets the ctime).
        world.git("checkout", "-q", "-f", "main")
        world.git("reset", "-q", "--hard")
        world.git("clean", "-q", "-fdx")
        for d, dirs, files in os.walk(world.top):
            dirs[:] = [x for x in dirs if x != ".git"]
            if ".gitignore" in files:
                world.write(os.path.relpath(os.path.join(d, ".gitignore"), world.top), "*.o\n")
        home = os.path.dirname(world.top)
        for name in (".gitconfig", "ignore"):
            if os.path.exists(os.path.join(home, name)):
                os.unlink(os.path.join(home, name))
        expect = _run(world, ["--no-optional-locks", "status", "-s"], {})
        for want in ("computed", "from memory"):
            actual, how = _warm(world, ["-s"], {}, trace)
            hows[how] = hows.get(how, 0) + 1
            # "computed" or "computed apart" (a full scan, in a child)
            assert (expect, how.startswith(want)) == (actual, True), (seed, world.log, how)
    finally:
        _run(world, ["fswatch-notify", "exit"], {})
    print("warm random status: seed %d, %d bursts, answers %r, %d operations"
          % (seed, compared, hows, len(world.log)))
    assert compared > 0
    # The daemon answered, both ways: otherwise this tested the cold path.
    assert (hows.get("computed") or hows.get("computed apart")) and \
        hows.get("from memory"), hows
