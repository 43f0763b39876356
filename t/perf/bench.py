"""Benchmarks of git-fswatch against plain git status, in the spirit of git's p7519.

For each tree size, every configuration runs in its own linked worktree of
the same synthetic repository (so that one configuration's index extensions
never disturb another's), in interleaved rounds after a warm-up round; the
table gives medians and the ratio against plain `git status` measured in the
same run.  Before anything is timed, every configuration's output is compared
with plain git's: a fast wrong answer is reported as WRONG, not as a speed-up.

Rows beyond git's own configurations: `git fswatch-status` answered warm by
the helper's daemon (from memory, and computed after one file changed before
each run), and the floor under any Python command (an empty interpreter).
Then, per size, what the helper itself costs: the crawl to ready, its resident
memory (after the crawl, and with the warm engine loaded), the latency of an
empty `get` (in-process round trip, and through the command line), and how
many file creations a second it absorbs without the kernel's queue
overflowing; and, from 100k files up, a `git checkout` that rewrites 50k
files and back, with every helper answer and warm status after it checked.

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
    def __init__(self, name, git_config, argv, needs=None, helper=False, before=None):
        self.name = name
        self.git_config = git_config     # list of "key=value" for git -c
        self.argv = argv                 # after "git -c ... "
        self.needs = needs               # callable(worktree) -> None or a reason to skip
        self.helper = helper             # stop `git fswatch-notify` here afterwards
        self.before = before             # callable(worktree), untimed, before each run

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
        Config("fswatch-status, helper, 1 edit", ["core.fswatchHelper=notify"],
               ["fswatch-status", "--porcelain=v2"], helper=True, before=touch_one),
    ]


def touch_one(wt):
    """One more line in one tracked file: the warm answer must be computed."""
    with open(os.path.join(wt, "d000", "d000", "f000.txt"), "a") as f:
        f.write("edit\n")


FLOOR = [("python -c pass", [sys.executable, "-c", "pass"]),
         ("python -S -c pass", [sys.executable, "-S", "-c", "pass"])]


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


# The reference: plain git status, which leaves the index alone.
REFERENCE = ["git", "--no-optional-locks", "-c", "core.fsmonitor=false"] + STATUS_ARGS


def right(cfg, wt):
    """Does *cfg* print what plain git status prints in *wt* now?"""
    ref = subprocess.run(REFERENCE, cwd=wt, stdout=subprocess.PIPE)
    p = subprocess.run(cfg.command(), cwd=wt, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode == 0 and p.stdout == ref.stdout


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

    # Warm-up round (two runs: a helper's first answer is a full scan, and a
    # warm engine's first is computed), then each answer is checked against
    # plain git status in the same worktree, as it is again after the timed
    # rounds: a fast wrong answer is WRONG, not a speed-up.
    wrong = set()
    for cfg, wt in active:
        for _ in range(2):
            if cfg.before:
                cfg.before(wt)
            subprocess.run(cfg.command(), cwd=wt, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not right(cfg, wt):
            wrong.add(cfg.name)

    times = {cfg.name: [] for cfg, _ in active}
    for _ in range(runs):
        for cfg, wt in active:
            if cfg.before:
                cfg.before(wt)
            cmd = cfg.command()
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=wt, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[cfg.name].append(time.perf_counter() - t0)
    for cfg, wt in active:
        if not right(cfg, wt):
            wrong.add(cfg.name)

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


def median_ms(cmd, runs, cwd=None, **kw):
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def daemon_status(wt):
    p = run(["git", "fswatch-notify", "status"], cwd=wt, check=False)
    out = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def rss_mb(pid):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def mb(rss, size):
    if size < 100000:      # the interpreter's own ~10 MB would dominate
        return "%.0f MB" % rss
    return "%.0f MB (%.0f MB per 100k files)" % (rss, rss * 100000 / size)


def synced_get(private, token=None):
    from git_fswatch.wire import transport
    records = [("version", 1), ("action", "get")]
    if token:
        records.append(("token", token))
    msg = transport.request(private, records, 30)
    return msg.get("token").decode(), msg


WRITER = """
import os, sys
d = sys.argv[1]
os.mkdir(d)
for i in range(int(sys.argv[2])):
    os.close(os.open("%s/f%d" % (d, i), os.O_CREAT | os.O_WRONLY, 0o644))
"""


def storm(wt, private, writers, per_writer):
    """Create writers * per_writer files as fast as *writers* processes can;
    return (creations a second, whether the daemon saw an overflow)."""
    before = int(daemon_status(wt).get("overflows", 0))
    dirs = [os.path.join(wt, "storm-%d-%d" % (writers, i)) for i in range(writers)]
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, d, str(per_writer)]) for d in dirs]
    for p in procs:
        p.wait()
    rate = writers * per_writer / (time.perf_counter() - t0)
    synced_get(private)
    after = int(daemon_status(wt).get("overflows", 0))
    for d in dirs:
        shutil.rmtree(d)
    synced_get(private)
    return rate, after > before


def rewrite_commit(repo, wt, count):
    """A commit beside HEAD of *repo* in which *count* tracked files have one
    more line, made once in worktree *wt* and kept under a ref."""
    ref = "refs/perf/rewrite-%d" % count
    p = run(["git", "rev-parse", "--verify", "-q", ref + "^{commit}"], cwd=repo, check=False)
    if p.returncode == 0:
        return p.stdout.decode().strip()
    base = run(["git", "rev-parse", "HEAD"], cwd=repo).stdout.decode().strip()
    run(["git", "checkout", "-q", "--detach", base], cwd=wt)
    paths = run(["git", "ls-files", "-z"], cwd=wt).stdout.split(b"\0")[:count]
    for rel in paths:
        with open(os.path.join(os.fsencode(wt), rel), "ab") as f:
            f.write(b"rewritten\n")
    run(["git", "add", "-u"], cwd=wt)
    run(["git", "-c", "user.name=perf", "-c", "user.email=perf@example.com",
         "commit", "-q", "--no-verify", "-m", "rewrite %d files" % count], cwd=wt)
    commit = run(["git", "rev-parse", "HEAD"], cwd=wt).stdout.decode().strip()
    run(["git", "update-ref", ref, commit], cwd=repo)
    run(["git", "checkout", "-q", "--detach", base], cwd=wt)
    return commit


def checkout_storm(repo, wt, private, count, rounds=2):
    """Switch *wt* between HEAD and a commit that rewrites *count* files, with
    the helper watching: [(fact, value)].  Each switch is checked: the
    helper's answer must name every changed path (or say everything), and
    a warm `git fswatch-status` must print what plain git status prints."""
    other = rewrite_commit(repo, wt, count)
    base = run(["git", "rev-parse", "HEAD"], cwd=repo).stdout.decode().strip()
    changed = set(run(["git", "diff", "--name-only", "-z", base, other], cwd=wt)
                  .stdout.split(b"\0")) - {b""}
    run(["git", "-c", "core.fswatchHelper=notify", "fswatch-notify", "start"], cwd=wt)
    warm = ["git", "-c", "core.fswatchHelper=notify", "fswatch-status", "--porcelain=v2"]
    run(warm, cwd=wt)
    times, rates, overflows, everything, wrong = [], [], 0, 0, []
    try:
        for i in range(2 * rounds):
            target = other if i % 2 == 0 else base
            token, _ = synced_get(private)
            before = daemon_status(wt)
            t0 = time.perf_counter()
            run(["git", "checkout", "-q", "--detach", target], cwd=wt)
            t1 = time.perf_counter()
            _, msg = synced_get(private, token)
            t2 = time.perf_counter()
            after = daemon_status(wt)
            events = int(after["events-seen"]) - int(before["events-seen"])
            overflows += int(after["overflows"]) - int(before["overflows"])
            times.append(t1 - t0)
            rates.append(events / (t2 - t0))
            if msg.get("everything") is not None:
                everything += 1
            else:
                paths = set(msg.getall("path"))
                dirs = tuple(p for p in paths if p.endswith(b"/"))
                missed = [p for p in changed if p not in paths and not p.startswith(dirs)]
                if missed:
                    wrong.append("get missed %d paths" % len(missed))
            if run(warm, cwd=wt).stdout != run(REFERENCE, cwd=wt).stdout:
                wrong.append("fswatch-status differed after switch %d" % (i + 1))
    finally:
        run(["git", "checkout", "-q", "--detach", base], cwd=wt, check=False)
        stop_helper(wt)
    what = "checkout rewriting %d files (%d switches)" % (len(changed), len(times))
    return [(what, "%.2f s median, %.0f events/s absorbed, %d overflows, %d everything"
             " answers%s" % (statistics.median(times), statistics.median(rates), overflows,
                             everything, "; WRONG: " + ", ".join(wrong) if wrong else
                             "; every answer right"))]


def helper_facts(size, trees, runs):
    """What the helper costs on a tree of *size* files: [(fact, value)]."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
    from git_fswatch.wire import protocol
    repo = gen_tree.make_tree(trees, size)
    wt = worktree_for(repo, "helper facts")
    git_dir = run(["git", "rev-parse", "--absolute-git-dir"], cwd=wt).stdout.decode().strip()
    private = os.path.join(git_dir, "fswatch")
    stop_helper(wt)
    facts = []
    git = ["git", "-c", "core.fswatchHelper=notify"]
    t0 = time.perf_counter()
    run(git + ["fswatch-notify", "start"], cwd=wt)
    facts.append(("crawl to ready (`start`, wall)", "%.2f s" % (time.perf_counter() - t0)))
    st = daemon_status(wt)
    facts.append(("crawl (the daemon's count)", "%s ms" % st.get("last-crawl-ms", "?")))
    pid = st["pid"]
    facts.append(("RSS after the crawl", mb(rss_mb(pid), size)))
    for _ in range(2):
        run(git + ["fswatch-status", "--porcelain=v2"], cwd=wt)
    facts.append(("RSS with the warm engine loaded", mb(rss_mb(pid), size)))
    # git status here must not rewrite the index: the warm answers would
    # then all be computed ones (the table's "1 edit" row measures those)
    plain = ["git", "--no-optional-locks", "-c", "core.fsmonitor=false",
             "-c", "core.untrackedCache=false"] + STATUS_ARGS
    warm = git + ["fswatch-status", "--porcelain=v2"]
    times = {"plain": [], "warm": []}
    for _ in range(runs):
        for name, cmd in (("plain", plain), ("warm", warm)):
            t0 = time.perf_counter()
            run(cmd, cwd=wt)
            times[name].append(time.perf_counter() - t0)
    p, w = statistics.median(times["plain"]), statistics.median(times["warm"])
    facts.append(("warm fswatch-status / plain git status", "%.1f / %.1f ms = %.2fx%s" % (
        w * 1000, p * 1000, w / p,
        "" if run(warm, cwd=wt).stdout == run(plain, cwd=wt).stdout else " WRONG")))
    token, _ = synced_get(private)
    lat = []
    for _ in range(51):
        t0 = time.perf_counter()
        token, msg = synced_get(private, token)
        lat.append(time.perf_counter() - t0)
    facts.append(("empty get, in-process round trip", "%.2f ms" % (statistics.median(lat) * 1000)))
    facts.append(("empty get, `git fswatch-notify get`", "%.1f ms" % median_ms(
        git + ["fswatch-notify", "get"], runs, cwd=wt,
        input=protocol.encode([("token", token)]))))
    absorbed, overflowed = 0, False
    for writers in (1, 2):
        rate, overflowed = storm(wt, private, writers, 20000)
        if overflowed:
            break
        absorbed = max(absorbed, rate)
    if overflowed:
        facts.append(("creations/s without overflow", "%.0f (overflowed at %.0f/s)"
                      % (absorbed, rate)))
    else:
        facts.append(("creations/s without overflow", "%.0f or more (never overflowed)"
                      % absorbed))
    stop_helper(wt)
    if size >= 100000:
        facts += checkout_storm(repo, wt, private, 50000)
    return facts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000",
                    help="comma-separated tree sizes (default: %(default)s)")
    ap.add_argument("--large", action="store_true", help="add the 1,000,000-file tree")
    ap.add_argument("--runs", type=int, default=7, help="timed rounds (default: %(default)s)")
    ap.add_argument("--trees", default=os.path.join(HERE, "trees"),
                    help="where generated trees are cached (default: %(default)s)")
    ap.add_argument("--only", choices=("commands", "helper"),
                    help="only the command table, or only the helper's costs")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large:
        sizes.append(1000000)

    git_version = run(["git", "--version"], cwd=HERE).stdout.decode().strip()
    print("# %s, Python %s, %d cores, %s" % (git_version, platform.python_version(),
                                             os.cpu_count(), platform.machine()))
    print("# medians of %d interleaved runs after two warm-up runs; ratio against plain"
          " git status; modules byte-compiled" % args.runs)
    print("%-9s %-8s %-32s %10s %7s" % ("files", "tree", "command", "median ms", "ratio"))
    all_skipped = {}
    wrong = False
    for size in sizes if args.only != "helper" else ():
        for scenario in ("clean", "dirty"):
            rows, skipped = measure(size, scenario, configs(), args.runs, args.trees)
            for size_, scen, name, ms, ratio, flag in rows:
                print("%-9d %-8s %-32s %10.1f %6.2fx %s" % (size_, scen, name, ms, ratio, flag))
                wrong = wrong or bool(flag)
            sys.stdout.flush()
            for name, reason in skipped:
                all_skipped[name] = reason
    print()
    print("%-9s %-38s %s" % ("files", "helper", "value"))
    for size in sizes if args.only != "commands" else ():
        for fact, value in helper_facts(size, args.trees, args.runs):
            print("%-9d %-38s %s" % (size, fact, value))
            sys.stdout.flush()
    print()
    print("# start-up floor: %s" % ", ".join(
        "%s %.1f ms" % (name, median_ms(cmd, args.runs)) for name, cmd in FLOOR))
    for name, reason in sorted(all_skipped.items()):
        print("# skipped %s: %s" % (name, reason))
    if wrong:
        print("# WRONG: a configuration's output differed from plain git status")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
