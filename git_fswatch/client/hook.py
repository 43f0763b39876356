"""git's core.fsmonitor hook, answered by the helper's daemon.

    git config core.fsmonitor "git fswatch-notify hook"

git runs the hook for every command that refreshes the index, with the
protocol version and its last token as arguments (githooks(5),
"fsmonitor-watchman"):

- version 2: we print the new token and a NUL, then each changed path
  relative to the top of the worktree followed by a NUL; a directory ends
  with '/', meaning it and everything below it.  A single "/" says that
  anything may have changed.  The first token git ever sends is a
  timestamp, not one of ours: that answers "/".
- version 1: git's token is a timestamp in nanoseconds; we keep no clock
  of changes, so the answer is always "/" (correct, but no faster).

Whatever is in doubt (unknown token, overflow, a daemon just started, a
sync timeout) answers "/".  When the daemon cannot be reached at all the
hook exits non-zero, and git then checks everything by itself.  Where the
daemon declines to run (no inotify watches left, a filesystem that sends
no events), the first hook to meet that decline says why on standard
error; the others, for as long as the decline stands, fail quietly (git
prints nothing about a failing hook, and runs it for every command).

git (2.39) does not forget its untracked cache on a "/": a command that
does not look for untracked files (reset, diff, add <path>) takes "/" and
writes the new token, and the next status trusts the untracked cache's
directories for everything before that token, though nobody looked at
them.  So the token that comes with "/" is marked (FULL): the answer to a
marked token names, besides what changed, a path inside every directory of
the worktree ("<dir>/" + INSIDE, a name git accepts as a path), which makes
git look at each of them again; tracked files were already all looked at
after the "/".

Likewise a directory reported as "dir/" makes git's untracked cache look
again at its parent only: a directory replaced or moved in would keep the
untracked files git remembers below that name.  So each answer also names
a path inside "dir" and inside every directory below it (the daemon lists
them: get with below=1).

git starts this for every command, so its cost is the product's latency:
it imports the socket layer and nothing else (no pygit2, no subprocess),
and finds the git dir from its working directory, which git sets to the
top of the worktree.  enable/disable, run by hand, may be slower.
"""

import os
import sys

from git_fswatch.client import connect
from git_fswatch.repo import discover
from git_fswatch.trace import event
from git_fswatch.wire import place, transport

# The answer "anything may have changed".
EVERYTHING = b"/\0"
# The mark of a token given with EVERYTHING (see above).
FULL = "full:"
# A name inside a directory, to have git look at the directory again.
INSIDE = b".fswatch-look-again"


class _Repo:
    """What connect.ask needs of a discover.Repo, found without running git."""
    __slots__ = ("worktree", "git_dir")

    def __init__(self, worktree, git_dir):
        self.worktree = worktree
        self.git_dir = git_dir


def find_repo():
    """The worktree (cwd, where git runs the hook) and its git dir."""
    worktree = os.getcwd()
    env = os.environ.get("GIT_DIR")
    if env:
        return _Repo(os.environ.get("GIT_WORK_TREE") or worktree,
                     os.path.realpath(env))
    found = discover.find(os.fsencode(worktree))
    if found is not None and found[0] == os.fsencode(worktree):
        return _Repo(worktree, os.path.realpath(os.fsdecode(found[1])))
    # Not at the top of a plain worktree: ask git (slow, but right).
    from git_fswatch.repo.git import Git
    repo = discover.discover(Git())
    return _Repo(repo.worktree, repo.git_dir)


def _is_ours(token):
    """Our tokens are "<instance>:<seq>"; git's first ones are timestamps."""
    instance, sep, seq = token.rpartition(":")
    return bool(sep and instance and seq.isdigit())


def answer_v2(token, timeout=None):
    """The bytes the hook prints for version 2; raises Unavailable-like errors."""
    repo = find_repo()
    private = place.private_path(repo.git_dir, os.path.realpath(repo.worktree))
    records = [("version", 1), ("action", "get")]
    full = token.startswith(FULL)
    if full:
        token = token[len(FULL):]
        records.append(("dirs", 1))
    else:
        records.append(("below", 1))
    if _is_ours(token):
        records.append(("token", token))
    try:
        msg = connect.ask(repo, private, records, spawn=True, timeout=timeout)
    except connect.Starting:
        # No token of the daemon's yet: git keeps this one, which the next
        # query will find unknown, and "/" is the truth meanwhile.
        event("hook.answer", everything="starting")
        return b"starting:0\0" + EVERYTHING
    except connect.Declined as e:
        # git says nothing when the hook fails, and runs it for every
        # command: tell why once, not on each command while the decline
        # stands (transport.DECLINED_FOR)
        raise HookError(str(e), quiet=not _first_to_tell(private))
    except (connect.Unreachable, transport.NoDaemon) as e:
        raise HookError(str(e))
    error = msg.get("error")
    if error is not None:
        raise HookError(error.decode("utf-8", "replace"))
    new = msg.get("token")
    if msg.get("version") != b"1" or not new:
        raise HookError("the helper's answer has no token")
    everything = msg.get("everything")
    if everything is not None:
        event("hook.answer", everything=everything)
        return FULL.encode() + new + b"\0" + EVERYTHING
    paths = msg.getall("path")
    dirs = msg.getall("dir")
    event("hook.answer", paths=len(paths), directories=len(dirs))
    if full:
        paths.append(INSIDE)
    paths.extend(d + b"/" + INSIDE for d in dirs)
    return new + b"\0" + b"".join(p + b"\0" for p in paths)


class HookError(Exception):
    def __init__(self, message, quiet=False):
        Exception.__init__(self, message)
        self.quiet = quiet


# Beside ipc's notify.declined: when a hook last said why the daemon declined.
TOLD_NAME = "notify.declined.told"


def _first_to_tell(private):
    """True if no hook has yet told the user about the daemon's latest
    decline (and mark it told); False after that, until a new decline."""
    try:
        declined = os.stat(os.path.join(private, transport.DECLINED_NAME)).st_mtime_ns
    except OSError:
        return True                       # none remembered: nothing to compare
    told = os.path.join(private, TOLD_NAME)
    try:
        if os.stat(told).st_mtime_ns >= declined:
            return False
    except OSError:
        pass
    try:
        fd = os.open(told, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        try:
            os.utime(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return True


def run(version, token, timeout=None):
    """Answer git's hook call (protocol *version*, git's *token*) on standard
    output; the exit code."""
    if version == "1":
        event("hook.answer", everything="protocol-version-1")
        out = EVERYTHING
    elif version == "2":
        try:
            out = answer_v2(token, timeout)
        except (HookError, OSError) as e:
            if getattr(e, "quiet", False):
                event("hook.error", error=str(e), said="already")
            else:
                sys.stderr.write("error: fswatch hook: %s\n" % e)
            return 1
    else:
        sys.stderr.write("error: fswatch hook: unsupported protocol version '%s'\n"
                         % version)
        return 1
    try:
        stdout = sys.stdout.buffer
        stdout.write(out)
        stdout.flush()
    except BrokenPipeError:
        # git stopped listening; keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
