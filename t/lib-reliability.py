"""Drivers for the t8xxx scripts: SIGKILL at random moments, crowds.

usage: lib-reliability.py <scenario> <worktree> <count> [<seed>]

Scenarios (each prints one summary line and exits 1 on the first wrong
answer, with the seed to replay it):

  kill-crawl   start a daemon and SIGKILL it at a random moment of its
               start (most land in the crawl); after each, change a file
               and check that git fswatch-status is exact.
  kill-query   run git fswatch-status and SIGKILL the daemon at a random
               moment while it answers; every answer must be exact.
  kill-status  SIGKILL git fswatch-status itself at a random moment (it may
               be writing its state file); the next answer must be exact.
  crowd        <count> clients at once, of three kinds (git fswatch-status,
               git status through the hook, git fswatch-notify get with a
               token), racing to start the daemon or not; all exact.

The reference is git status with neither the helper nor the hook.
"""

import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit"))
from testlib import wait_gone  # noqa: E402 (after the path)


def run(top, *args, **kw):
    return subprocess.run(("git", "-C", top) + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def reference(top):
    return run(top, "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
               "--no-optional-locks", "status", "--porcelain=v2", "-z").stdout


def ours(top):
    return run(top, "fswatch-status", "--porcelain=v2", "-z").stdout


def hook(top):
    return run(top, "status", "--porcelain=v2", "-z").stdout


def daemon_pid(top):
    out = run(top, "fswatch-notify", "status").stdout.decode()
    for line in out.splitlines():
        if line.startswith("pid: "):
            return int(line[5:])
    return None


def daemons(top):
    """Pids of live daemons whose cwd is *top*."""
    top = os.path.realpath(top)
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/cwd" % p) != top:
                continue
            cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ")
            state = open("/proc/%s/status" % p).read()
        except OSError:
            continue
        if (b"git_fswatch.cli.notify" in cmd and b"daemon" in cmd.split()
                and "State:\tZ" not in state):
            found.append(int(p))
    return found


class Checker:
    def __init__(self, top, rnd, seed):
        self.top = top
        self.rnd = rnd
        self.seed = seed
        self.compared = 0
        self.serial = 0

    def touch_something(self):
        """A change the next answer must show."""
        self.serial += 1
        name = os.path.join(self.top, "crash-%d" % (self.serial % 7))
        with open(name, "a") as f:
            f.write("%d\n" % self.serial)
        tracked = os.path.join(self.top, "tracked")
        with open(tracked, "w") as f:
            f.write("%d\n" % self.rnd.randrange(3))

    def expect(self, what, got, want):
        self.compared += 1
        if got != want:
            sys.stdout.write("WRONG ANSWER (%s), seed %s\nwant %r\ngot  %r\n"
                             % (what, self.seed, want, got))
            sys.exit(1)

    def exact(self, with_hook=True):
        want = reference(self.top)
        self.expect("git fswatch-status", ours(self.top), want)
        if with_hook:
            self.expect("git status through the hook", hook(self.top), want)


def lock_held(path):
    """Whether someone holds the daemon's lock (flock) on *path*."""
    import fcntl
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def kill_crawl(c, count):
    top = c.top
    env = dict(os.environ)
    # How long a start takes (until the daemon says "ok"), to spread the
    # kills over it.
    for pid in daemons(top):
        run(top, "fswatch-notify", "exit")
        wait_gone(pid)
    t0 = time.monotonic()
    proc = subprocess.Popen(["git", "fswatch-notify", "daemon"], cwd=top, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    if proc.stdout.readline() != b"ok\n":
        raise SystemExit("cannot start a daemon")
    span = time.monotonic() - t0
    crawl = int(run(top, "fswatch-notify", "status").stdout.decode().split(
        "last-crawl-ms: ")[1].split()[0]) / 1000.0
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    lock = os.path.join(run(top, "rev-parse", "--absolute-git-dir").stdout.decode().strip(),
                        "fswatch", "notify.lock")
    early = 0
    for i in range(count):
        for pid in daemons(top):          # the one the last check started
            run(top, "fswatch-notify", "exit")
            wait_gone(pid)
        # git runs the command as its child: kill the whole group.
        proc = subprocess.Popen(["git", "fswatch-notify", "daemon"], cwd=top, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        if c.rnd.random() < 0.7:
            # Into the crawl: from when it holds the lock, within the time a
            # crawl takes.
            deadline = time.monotonic() + 20
            while not lock_held(lock) and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(c.rnd.uniform(0, crawl))
        else:
            time.sleep(c.rnd.uniform(0, span))
        os.set_blocking(proc.stdout.fileno(), False)
        said = proc.stdout.read() or b""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if b"ok" not in said:
            early += 1
        c.touch_something()
        c.exact()
    left = daemons(top)
    if len(left) != 1:
        raise SystemExit("%d daemons after the kills, not 1: %r" % (len(left), left))
    print("kill-crawl: %d kills (%d before the daemon was ready; start %.0f ms, crawl %.0f ms),"
          " %d comparisons, 0 wrong answers" % (count, early, span * 1000, crawl * 1000,
                                                c.compared))


def kill_query(c, count):
    top = c.top
    kills = 0
    for i in range(count):
        c.touch_something()
        want = reference(top)
        pid = daemon_pid(top)
        proc = subprocess.Popen(["git", "-C", top, "fswatch-status", "--porcelain=v2", "-z"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killed = False
        if pid is not None and c.rnd.random() < 0.8:
            time.sleep(c.rnd.uniform(0, 0.25))
            try:
                os.kill(pid, signal.SIGKILL)
                killed = True
                kills += 1
            except ProcessLookupError:
                pass
        out, _ = proc.communicate()
        c.expect("git fswatch-status while the daemon was killed", out, want)
        if killed:
            wait_gone(pid)
        c.expect("git status through the hook after a kill", hook(top), want)
    print("kill-query: %d kills of the daemon while it answered, %d comparisons,"
          " 0 wrong answers" % (kills, c.compared))


def kill_status(c, count):
    top = c.top
    kills = 0
    for i in range(count):
        c.touch_something()
        proc = subprocess.Popen(["git", "-C", top, "fswatch-status", "--porcelain=v2", "-z"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(c.rnd.uniform(0, 0.12))
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait()
        c.exact(with_hook=False)
    print("kill-status: %d of %d runs of git fswatch-status killed, %d comparisons,"
          " 0 wrong answers" % (kills, count, c.compared))


def crowd(c, count):
    top = c.top
    first = run(top, "fswatch-notify", "get", input=b"").stdout
    token = [r for r in first.split(b"\0") if r.startswith(b"token=")]
    c.touch_something()
    want = reference(top)
    if c.rnd.random() < 0.5 or not token:
        run(top, "fswatch-notify", "exit")     # they race to start one
    procs = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            argv = ["git", "-C", top, "fswatch-status", "--porcelain=v2", "-z"]
        elif kind == 1:
            argv = ["git", "-C", top, "status", "--porcelain=v2", "-z"]
        else:
            argv = ["git", "-C", top, "fswatch-notify", "get"]
        procs.append((kind, subprocess.Popen(argv, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE)))
    results = []
    for kind, p in procs:
        out, err = p.communicate((token[0] + b"\0") if kind == 2 and token else b"")
        results.append((kind, p.returncode, out, err))
    served = 0
    for kind, code, out, err in results:
        if kind == 2:
            recs = out.split(b"\0")
            if code != 0 or b"version=1" not in recs:
                raise SystemExit("a get failed in the crowd: %r %r" % (out, err))
            paths = [r[5:] for r in recs if r.startswith(b"path=")]
            if b"everything=" not in out and not paths:
                raise SystemExit("a get in the crowd saw no change: %r" % out)
            c.compared += 1
        else:
            c.expect("kind %d in a crowd of %d" % (kind, count), out, want)
        served += 1
    left = daemons(top)
    if len(left) != 1:
        raise SystemExit("%d daemons after a crowd, not 1: %r" % (len(left), left))
    print("crowd: %d clients served, %d compared, one daemon, 0 wrong answers"
          % (served, c.compared))


def main():
    scenario, top, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seed = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else str(random.randrange(1 << 30))
    c = Checker(os.path.abspath(top), random.Random(seed), seed)
    {"kill-crawl": kill_crawl, "kill-query": kill_query,
     "kill-status": kill_status, "crowd": crowd}[scenario](c, count)


if __name__ == "__main__":
    main()
