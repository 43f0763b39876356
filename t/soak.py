"""`make soak`: a randomised differential soak of git-fswatch (not in `make test`).

usage: python t/soak.py [--seconds N] [--seed S] [--keep]

Builds a repository in "t/trash directory.soak", turns on the helper, the
hook and the untracked cache (`git fswatch-notify enable`), and for N
seconds (default 600) applies random rounds of changes: the operations of
t/lib-hook-random.py (writes, same-size rewrites, deletes, renames of files
and directories, modes, symlinks, ignore rules, add, commit, reset,
checkout) and rougher ones (bursts of hundreds of files, queue overflows
with the daemon stopped, the daemon killed with SIGKILL or told to exit,
a directory of hundreds of files renamed).  After every round it compares,
for three output forms, `git fswatch-status` (warm in the daemon when it can,
else cold) and `git status` through the hook with `git status` using
neither.  It prints the operations, comparisons and differences, with the
seed and the operations before each difference; it exits 1 if there was any.
"""

import argparse
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "unit"))
from testlib import clean_env, git, wait_gone  # noqa: E402 (after the path)

FORMS = [
    ["--porcelain=v2", "-z"],
    ["--porcelain=v2", "-z", "-uall", "--ignored"],
    ["--short"],
]


def load_world():
    spec = importlib.util.spec_from_file_location("lib_hook_random",
                                                  os.path.join(HERE, "lib-hook-random.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def daemon_pid(top):
    out = git("fswatch-notify", "status", cwd=top, check=False).decode("utf-8", "replace")
    for line in out.splitlines():
        if line.startswith("pid: "):
            return int(line[5:])
    return None


def make_soak_world(mod):
    class Soak(mod.World):
        """lib-hook-random's operations, and rougher ones."""

        def op_burst(self):
            d = "burst%d" % self.rnd.randrange(3)
            n = self.rnd.randrange(100, 800)
            os.makedirs(self.p(d), exist_ok=True)
            for i in range(n):
                with open(self.p("%s/f%d" % (d, i)), "w") as f:
                    f.write("%d\n" % i)
            return "burst of %d files in %s" % (n, d)

        def op_drop_burst(self):
            d = "burst%d" % self.rnd.randrange(3)
            if not os.path.isdir(self.p(d)):
                return None
            shutil.rmtree(self.p(d))
            return "rm -r %s" % d

        def op_overflow(self):
            pid = daemon_pid(self.top)
            if pid is None:
                return None
            limit = int(open("/proc/sys/fs/inotify/max_queued_events").read())
            d = "storm"
            os.makedirs(self.p(d), exist_ok=True)
            git("fswatch-notify", "get", cwd=self.top, check=False)   # watched before
            os.kill(pid, signal.SIGSTOP)
            try:
                for i in range(limit // 2 + 200):
                    with open(self.p("%s/s%d" % (d, i)), "w"):
                        pass
            finally:
                os.kill(pid, signal.SIGCONT)
            if self.rnd.random() < 0.7:
                shutil.rmtree(self.p(d))
            return "overflow: %d files made with the daemon stopped" % (limit // 2 + 200)

        def op_kill(self):
            pid = daemon_pid(self.top)
            if pid is None:
                return None
            os.kill(pid, signal.SIGKILL)
            wait_gone(pid)
            return "kill -9 the daemon"

        def op_exit(self):
            git("fswatch-notify", "exit", cwd=self.top, check=False)
            return "git fswatch-notify exit"

        def op_big_rename(self):
            src = "big" if os.path.isdir(self.p("big")) else "big2"
            if not os.path.isdir(self.p(src)):
                for d in range(10):
                    os.makedirs(self.p("big/d%d" % d))
                    for f in range(40):
                        with open(self.p("big/d%d/f%d" % (d, f)), "w") as fh:
                            fh.write("%d %d\n" % (d, f))
                return "made big/ with 400 files"
            dst = "big2" if src == "big" else "big"
            if os.path.lexists(self.p(dst)):
                return None
            os.rename(self.p(src), self.p(dst))
            files = [os.path.join(root, f) for root, _, names in os.walk(self.p(dst))
                     for f in names]
            if files:
                with open(self.rnd.choice(sorted(files)), "a") as f:
                    f.write("after the rename\n")
            return "mv %s %s and edit below" % (src, dst)

        def ops(self):
            base = super().ops()
            rough = [(self.op_burst, 2), (self.op_drop_burst, 2), (self.op_overflow, 1),
                     (self.op_kill, 1), (self.op_exit, 1), (self.op_big_rename, 2)]
            return base + [f for f, w in rough for _ in range(w)]

    return Soak


def main():
    ap = argparse.ArgumentParser(description="randomised differential soak")
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("SOAK_SECONDS", "600")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the trash directory")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    trash = os.path.join(HERE, "trash directory.soak")
    shutil.rmtree(trash, ignore_errors=True)
    os.makedirs(trash)
    env = clean_env(trash, GIT_FSWATCH_TRACE=os.path.join(trash, "trace"))
    os.environ.clear()
    os.environ.update(env)
    top = os.path.join(trash, "w")
    git("init", "-q", "-b", "main", "w", cwd=trash)
    os.makedirs(os.path.join(top, "x", "y"))
    for rel, text in (("a", "1\n"), ("x/b", "2\n"), ("x/y/c", "3\n")):
        with open(os.path.join(top, rel), "w") as f:
            f.write(text)
    git("add", ".", cwd=top)
    git("commit", "-q", "-m", "initial", cwd=top)
    git("fswatch-notify", "enable", cwd=top)
    git("config", "core.fswatchHelper", "notify --timeout=600", cwd=top)
    mod = load_world()
    world = make_soak_world(mod)(top, random.Random(seed))
    ops = world.ops()
    print("soak: seed %d, %d seconds, in %s" % (seed, args.seconds, trash))
    sys.stdout.flush()
    start = time.monotonic()
    deadline = start + args.seconds
    rounds = operations = comparisons = 0
    differences = []
    kinds = {}
    next_report = start + 60
    try:
        while time.monotonic() < deadline:
            rounds += 1
            for _ in range(world.rnd.randint(1, 4)):
                op = world.rnd.choice(ops)
                try:
                    done = op()
                except (OSError, subprocess.CalledProcessError) as e:
                    done = "%s failed: %s" % (op.__name__, e)
                if done:
                    kinds[op.__name__[3:]] = kinds.get(op.__name__[3:], 0) + 1
                if done:
                    operations += 1
                    world.log.append("round %d: %s" % (rounds, done))
            for form in FORMS:
                want = git("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
                           "--no-optional-locks", "status", *form, cwd=top)
                for name, argv in (("git fswatch-status", ("fswatch-status",) + tuple(form)),
                                   ("git status with the hook", ("status",) + tuple(form))):
                    got = git(*argv, cwd=top, check=False)
                    comparisons += 1
                    if got != want:
                        differences.append(rounds)
                        print("DIFFERENCE in round %d: %s %s (seed %d)\n%s\n--- want\n%r\n--- got\n%r"
                              % (rounds, name, " ".join(form), seed,
                                 "\n".join(world.log[-20:]), want, got))
                        sys.stdout.flush()
            if time.monotonic() >= next_report:
                next_report += 60
                print("soak: %.0f s: %d rounds, %d operations, %d comparisons, %d differences"
                      % (time.monotonic() - start, rounds, operations, comparisons,
                         len(differences)))
                sys.stdout.flush()
    finally:
        git("fswatch-notify", "exit", cwd=top, check=False)
    ways = {}
    try:
        with open(os.path.join(trash, "trace"), errors="replace") as f:
            for line in f:
                for key in ("warm answer (from memory)", "warm answer (computed)",
                            "warm answer (computed apart)",
                            "from the cache", "falling back to git status",
                            "IN_Q_OVERFLOW", "client: starting a daemon"):
                    if key in line:
                        ways[key] = ways.get(key, 0) + 1
    except OSError:
        pass
    print("soak: seed %d: %.0f s, %d rounds, %d operations, %d comparisons, %d differences"
          % (seed, time.monotonic() - start, rounds, operations, comparisons, len(differences)))
    print("soak: operations: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
    for key in sorted(ways):
        print("soak: trace: %-30s %d" % (key, ways[key]))
    if not differences and not args.keep:
        shutil.rmtree(trash, ignore_errors=True)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
