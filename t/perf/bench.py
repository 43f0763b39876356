"""Benchmarks of git-fswatch against plain git status, in the spirit of git's p7519.

For each tree size, every configuration runs in its own linked worktree of
the same synthetic repository (so that one configuration's index extensions
never disturb another's), in interleaved rounds after a warm-up round; the
table gives medians and the ratio against plain `git status` measured in the
same run.  Before anything is timed, every configuration's output is compared
with plain git's: a fast wrong answer is reported as WRONG, not as a speed-up.

Timings are printed, never asserted.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_tree  # noqa: E402

STATUS_ARGS = ["status", "--porcelain=v2"]
HOOK = "git fswatch-notify hook"


class Config:
    def __init__(self, name, git_config, argv, needs=None, helper=False):
        self.name = name
        self.git_config = git_config     # list of "key=value" for git -c
        self.argv = argv                 # after "git -c ... "
        self.needs = needs               # callable(worktree) -> None or a reason to skip
        self.helper = helper             # stop `git fswatch-notify` here afterwards

    def command(self):
        cmd = ["git"]
        for kv in self.git_config:
            cmd += ["-c", kv]
        return cmd + self.argv


def run(cmd, cwd, check=True):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=check)


def hook_available(wt):
    p = subprocess.run(["git", "fswatch-notify", "-h"], cwd=wt, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if b"hook" not in p.stdout:
        return "git fswatch-notify has no hook action yet"
    return None


def watchman_available(wt):
    if not shutil.which("watchman"):
        return "watchman is not installed (apt-get install watchman)"
    p = subprocess.run(["watchman", "version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    if p.returncode != 0:
        return "watchman does not run here: %s" % p.stderr.decode(errors="replace").strip()[:80]
    sample = "/usr/share/git-core/templates/hooks/fsmonitor-watchman.sample"
    if not os.path.exists(sample):
        return "git's fsmonitor-watchman hook sample is not installed"
    return None


def configs():
    watchman_hook = "/usr/share/git-core/templates/hooks/fsmonitor-watchman.sample"
    return [
        Config("git status", ["core.fsmonitor=false", "core.untrackedCache=false"], STATUS_ARGS),
        Config("git status, untrackedCache", ["core.fsmonitor=false", "core.untrackedCache=true"],
               STATUS_ARGS),
        Config("git status, our hook", ["core.fsmonitor=" + HOOK, "core.untrackedCache=true",
                                        "core.fswatchHelper=notify"],
               STATUS_ARGS, needs=hook_available, helper=True),
        Config("git status, watchman hook", ["core.fsmonitor=" + watchman_hook,
                                             "core.untrackedCache=true"],
               STATUS_ARGS, needs=watchman_available),
        Config("fswatch-status, no helper", ["core.fswatchHelper="],
               ["fswatch-status", "--porcelain=v2"]),
        Config("fswatch-status, helper", ["core.fswatchHelper=notify"],
               ["fswatch-status", "--porcelain=v2"], helper=True),
    ]


def worktree_for(repo, name):
    """A linked worktree of *repo* for one configuration, made once."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    path = repo + "-wt/" + slug
    if not os.path.exists(os.path.join(path, ".git")):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        run(["git", "worktree", "prune"], cwd=repo)
        shutil.rmtree(path, ignore_errors=True)
        run(["git", "worktree", "add", "-q", "--detach", path, "HEAD"], cwd=repo)
    else:
        # back to the committed state, untracked files gone
        run(["git", "checkout", "-q", "--detach", "HEAD", "--", "."], cwd=path, check=False)
        run(["git", "reset", "-q", "--hard"], cwd=path)
        run(["git", "clean", "-q", "-fdx"], cwd=path)
    return path


def make_dirty(wt, nfiles, count=10):
    """Modify *count* tracked files and add *count* untracked ones."""
    paths = list(gen_tree.layout(nfiles))
    step = max(1, len(paths) // count)
    for rel in paths[::step][:count]:
        with open(os.path.join(wt, rel), "a") as f:
            f.write("changed\n")
    for i in range(count):
        with open(os.path.join(wt, "d000", "new%02d.txt" % i), "w") as f:
            f.write("new\n")


def stop_helper(wt):
    subprocess.run(["git", "fswatch-notify", "exit"], cwd=wt, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def measure(size, scenario, cfgs, runs, trees):
    repo = gen_tree.make_tree(trees, size)
    active = []
    skipped = []
    for cfg in cfgs:
        wt = worktree_for(repo, cfg.name)
        reason = cfg.needs(wt) if cfg.needs else None
        if reason:
            skipped.append((cfg.name, reason))
            continue
        if scenario == "dirty":
            make_dirty(wt, size)
        active.append((cfg, wt))

    # Warm-up round, which also checks every answer against plain git's.
    expected = None
    wrong = set()
    for cfg, wt in active:
        p = subprocess.run(cfg.command(), cwd=wt, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # a second warm-up: the helper's first answer is always a full scan
        p = subprocess.run(cfg.command(), cwd=wt, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if expected is None:
            expected = p.stdout
        elif p.stdout != expected or p.returncode != 0:
            wrong.add(cfg.name)

    times = {cfg.name: [] for cfg, _ in active}
    for _ in range(runs):
        for cfg, wt in active:
            cmd = cfg.command()
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=wt, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[cfg.name].append(time.perf_counter() - t0)

    for cfg, wt in active:
        if cfg.helper:
            stop_helper(wt)
    base = statistics.median(times[active[0][0].name])
    rows = []
    for cfg, _ in active:
        med = statistics.median(times[cfg.name])
        rows.append((size, scenario, cfg.name, med * 1000, med / base,
                     "WRONG" if cfg.name in wrong else ""))
    return rows, skipped


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000",
                    help="comma-separated tree sizes (default: %(default)s)")
    ap.add_argument("--large", action="store_true", help="add the 1,000,000-file tree")
    ap.add_argument("--runs", type=int, default=7, help="timed rounds (default: %(default)s)")
    ap.add_argument("--trees", default=os.path.join(HERE, "trees"),
                    help="where generated trees are cached (default: %(default)s)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large:
        sizes.append(1000000)

    git_version = run(["git", "--version"], cwd=HERE).stdout.decode().strip()
    print("# %s, Python %s, %d cores, %s" % (git_version, platform.python_version(),
                                             os.cpu_count(), platform.machine()))
    print("# medians of %d interleaved runs after two warm-up runs; ratio against plain"
          " git status" % args.runs)
    print("%-9s %-8s %-28s %10s %7s" % ("files", "tree", "command", "median ms", "ratio"))
    all_skipped = {}
    wrong = False
    for size in sizes:
        for scenario in ("clean", "dirty"):
            rows, skipped = measure(size, scenario, configs(), args.runs, args.trees)
            for size_, scen, name, ms, ratio, flag in rows:
                print("%-9d %-8s %-28s %10.1f %6.2fx %s" % (size_, scen, name, ms, ratio, flag))
                wrong = wrong or bool(flag)
            sys.stdout.flush()
            for name, reason in skipped:
                all_skipped[name] = reason
    for name, reason in sorted(all_skipped.items()):
        print("# skipped %s: %s" % (name, reason))
    if wrong:
        print("# WRONG: a configuration's output differed from plain git status")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
