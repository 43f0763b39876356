"""The Python side of t/test-lib.sh: the environment git runs in, the one
git runner, the trace as events, and waiting for a process to go away.

Imported by the tests in t/unit (conftest.py makes the fixtures from it) and
by the drivers t/soak.py and t/lib-reliability.py (which put this directory
on sys.path).  It imports nothing of git_fswatch at import time.
"""

import os
import subprocess
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(SRC, "bin")

# t/test-lib.sh keeps these of GIT_* and XDG_*: the knobs of the tests.
TEST_KNOBS = ("GIT_FSWATCH_TEST_", "GIT_FSWATCH_PYTHON")
UNSET = ("EMAIL", "VISUAL", "EDITOR", "PAGER", "LESS", "CDPATH", "GREP_OPTIONS")


def clean_env(home, config=None, base=None, **extra):
    """The environment of t/test-lib.sh, from *base* (default os.environ):
    GIT_* and XDG_* unset but the test knobs, HOME=*home*, no system
    configuration, the C locale, UTC, a fixed author and committer, no pager,
    the source tree's bin/ first on PATH.  *config* ({key: value}) is given
    to git as GIT_CONFIG_COUNT/KEY/VALUE; *extra* is set as it is."""
    base = os.environ if base is None else base
    env = {k: v for k, v in base.items()
           if k not in UNSET and (not k.startswith(("GIT_", "XDG_")) or k.startswith(TEST_KNOBS))}
    path = base.get("PATH", "")
    if not path.startswith(BIN + os.pathsep):
        path = BIN + os.pathsep + path
    env.update(HOME=str(home), LANG="C", LC_ALL="C", TZ="UTC", TERM="dumb",
               GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="A U Thor", GIT_AUTHOR_EMAIL="author@example.com",
               GIT_COMMITTER_NAME="C O Mitter", GIT_COMMITTER_EMAIL="committer@example.com",
               GIT_PAGER="cat", PAGER="cat", PATH=path)
    for i, (k, v) in enumerate(sorted((config or {}).items())):
        env["GIT_CONFIG_KEY_%d" % i] = k
        env["GIT_CONFIG_VALUE_%d" % i] = v
    if config:
        env["GIT_CONFIG_COUNT"] = str(len(config))
    env.update(extra)
    return env


def use_env(monkeypatch, env):
    """Make *env* the whole environment of this process, for one test."""
    for k in list(os.environ):
        if k not in env:
            monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)


class GitFailed(subprocess.CalledProcessError):
    def __str__(self):
        return "%s\n%s" % (subprocess.CalledProcessError.__str__(self),
                           self.stderr.decode("utf-8", "replace"))


def run_git(*args, cwd=None, env=None, check=True, input=None):
    """Run git with *args* in *cwd*, in *env* (default: this process's
    environment, which conftest.py keeps clean); stdout and stderr are kept.
    With *check*, a failure raises GitFailed (which shows git's stderr)."""
    p = subprocess.run(["git"] + list(args), cwd=cwd, env=env, input=input,
                       stdin=subprocess.DEVNULL if input is None else None,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode:
        raise GitFailed(p.returncode, p.args, p.stdout, p.stderr)
    return p


def git(*args, **kw):
    """run_git()'s standard output."""
    return run_git(*args, **kw).stdout


def trace_events(path):
    """The events of the GIT_FSWATCH_TRACE file *path*, as (name, fields)
    (git_fswatch.trace.parse); [] when there is no such file.  A free-form
    line is ("note", {"message": ...})."""
    from git_fswatch import trace
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    return [e for e in map(trace.parse, lines) if e is not None]


def alive(pid):
    """Whether process *pid* exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_gone(pid, limit=20.0):
    """Wait until process *pid* is gone (or a zombie); AssertionError after
    *limit* seconds."""
    deadline = time.monotonic() + limit
    while alive(pid):
        if time.monotonic() > deadline:
            raise AssertionError("process %d did not go away in %g seconds" % (pid, limit))
        time.sleep(0.01)
