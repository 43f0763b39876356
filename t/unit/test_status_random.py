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
import shutil
import subprocess
import time

from git_fswatch.repo import discover
from git_fswatch.decline import Decline
from git_fswatch.status.inputs import DiskInputs
from git_fswatch.status.render import render
from git_fswatch.trace import parse

import oracle

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NAMES = ["a", "b", "c", "d.o", "x y", "é", "tab\tname", "q\"", "back\\slash", "-dash",
         "sub/a", "sub/b", "sub/deep/c", "sub/deep/d.o", "other/e", "other/f g", "z"]
ARGS = [[], ["-s"], ["-sb"], ["--porcelain"], ["--porcelain=v2", "-b", "--show-stash"],
        ["-z"], ["--porcelain=v2", "-z"], ["-uall"], ["-uno"], ["-s", "-uall"],
        ["--no-renames"], ["--show-stash"], ["-sb", "--no-ahead-behind"],
        ["--ignored", "-s"], ["--long", "-b"]]
CONFIGS = [{}, {"advice.statusHints": "false"}, {"core.quotePath": "false"},
           {"color.status": "always"}, {"status.displayCommentPrefix": "true"},
           {"status.short": "true", "status.branch": "true"}, {"status.relativePaths": "false"}]


def _env(home, config=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "XDG_"))}
    env.update(HOME=str(home), LANG="C", LC_ALL="C", TZ="UTC", TERM="dumb",
               GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="A U Thor",
               GIT_AUTHOR_EMAIL="author@example.com", GIT_COMMITTER_NAME="C O Mitter",
               GIT_COMMITTER_EMAIL="committer@example.com",
               PATH=os.path.join(SRC, "bin") + os.pathsep + os.environ.get("PATH", ""))
    if os.environ.get("GIT_FSWATCH_PYTHON"):
        env["GIT_FSWATCH_PYTHON"] = os.environ["GIT_FSWATCH_PYTHON"]
    config = config or {}
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for i, (k, v) in enumerate(sorted(config.items())):
        env["GIT_CONFIG_KEY_%d" % i] = k
        env["GIT_CONFIG_VALUE_%d" % i] = v
    return env


class World:
    def __init__(self, top, rng):
        self.top = top
        self.rng = rng
        self.log = []
        self.answered = 0
        self.env = _env(os.path.dirname(top))

    def git(self, *args, check=False):
        return subprocess.run(["git"] + list(args), cwd=self.top, env=self.env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=check).returncode

    def path(self, name):
        return os.path.join(self.top, name)

    def write(self, name, data):
        p = self.path(name)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.lexists(p) and not os.path.isfile(p):
            os.unlink(p)
        with open(p, "w") as f:
            f.write(data)

    def step(self):
        r = self.rng
        name = r.choice(NAMES)
        op = r.choice(["write", "write", "write", "same-size", "delete", "chmod", "symlink",
                       "mvdir", "ignore", "add", "add-all", "rm-cached", "commit", "commit",
                       "branch", "stash", "merge", "mv", "add-N", "reset"])
        self.log.append((op, name))
        p = self.path(name)
        try:
            if op == "write":
                self.write(name, "%s %d\n" % (name, r.randrange(1000)) * r.randrange(1, 4))
            elif op == "same-size" and os.path.isfile(p):
                with open(p, "r+") as f:
                    data = f.read()
                    f.seek(0)
                    f.write(data[::-1] if len(data) > 1 else "Q")
            elif op == "delete" and os.path.lexists(p):
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
            elif op == "chmod" and os.path.isfile(p) and not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode ^ 0o111)
            elif op == "symlink":
                if os.path.lexists(p) and not (os.path.isdir(p) and not os.path.islink(p)):
                    os.unlink(p)
                if not os.path.lexists(p):
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    os.symlink(r.choice(["a", "nowhere", "../a"]), p)
            elif op == "mvdir":
                src = r.choice(["sub", "other", "sub/deep"])
                dst = r.choice(["moved", "sub2", "other/in"])
                if os.path.isdir(self.path(src)) and not os.path.lexists(self.path(dst)) \
                        and not dst.startswith(src + "/"):
                    os.makedirs(os.path.dirname(self.path(dst)) or self.top, exist_ok=True)
                    os.rename(self.path(src), self.path(dst))
            elif op == "ignore":
                self.write(r.choice([".gitignore", "sub/.gitignore"]),
                           "\n".join(r.sample(["*.o", "z", "other/", "deep", "!d.o", "x*"],
                                              r.randrange(0, 3))) + "\n")
            elif op == "add":
                self.git("add", "--", name)
            elif op == "add-all":
                self.git("add", "-A")
            elif op == "rm-cached":
                self.git("rm", "-q", "-r", "--cached", "--", name)
            elif op == "commit":
                self.git("add", "-A")
                self.git("commit", "-q", "-m", "c%d" % len(self.log))
            elif op == "branch":
                b = r.choice(["main", "topic", "side"])
                if self.git("checkout", "-q", b) != 0:
                    self.git("checkout", "-q", "-b", b)
            elif op == "stash":
                self.git("stash", "-q") if r.random() < 0.7 else self.git("stash", "pop", "-q")
            elif op == "merge":
                if os.path.exists(os.path.join(self.top, ".git", "MERGE_HEAD")):
                    self.git("merge", "--abort")
                else:
                    self.git("merge", "-q", "--no-edit", r.choice(["main", "topic", "side"]))
            elif op == "mv":
                self.git("mv", "-k", name, r.choice(NAMES) + "-moved")
            elif op == "add-N":
                self.git("add", "-N", "--", name)
            elif op == "reset":
                self.git("reset", "-q", "--", name)
        except OSError:
            pass


def _compare_end_to_end(world, args, config):
    env = _env(os.path.dirname(world.top), config)
    git = subprocess.run(["git", "status"] + args, cwd=world.top, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    trace = os.path.join(os.path.dirname(world.top), "trace")
    if os.path.exists(trace):
        os.unlink(trace)
    env["GIT_FSWATCH_TRACE"] = trace
    ours = subprocess.run(["git", "fswatch-status"] + args, cwd=world.top, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(trace) as f:
        world.answered += any((parse(line) or ("",))[0] == "status.answered" for line in f)
    return (git.returncode, git.stdout, git.stderr), (ours.returncode, ours.stdout, ours.stderr)


def _compare_oracle(world, args, config, monkeypatch):
    env = _env(os.path.dirname(world.top), config)
    git = subprocess.run(["git", "status"] + args, cwd=world.top, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for k in list(os.environ):
        if k.startswith("GIT_"):
            monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
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
    return git.stdout, ours


def test_random_bursts(tmp_path, monkeypatch):
    seed = int(os.environ.get("GIT_FSWATCH_TEST_RANDOM_SEED") or time.time())
    budget = float(os.environ.get("GIT_FSWATCH_TEST_RANDOM_SECONDS") or 10)
    rng = random.Random(seed)
    top = str(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", "-b", "main", top], check=True, env=_env(tmp_path))
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
