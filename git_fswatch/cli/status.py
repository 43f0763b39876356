"""git fswatch-status: print what `git status` prints, computed faster.

The command line only: `-h` and `--help`, then the helper's daemon is asked
for the whole answer (client/warm.py), else it is computed here
(status/render.py) with the command's own inputs, the status cache on disk
and the helper's answer through the API.  Whatever declines (an option, a
setting, a repository state we do not reproduce exactly) runs the real
`git status` with the same arguments, so that git's own output, messages and
exit code are what the user sees.  GIT_FSWATCH_TRACE says why
(status.decline).
"""

import os
import sys

from git_fswatch.cli.usage import Usage, show_manual
from git_fswatch.client import warm
from git_fswatch.decline import Decline
from git_fswatch.trace import event

USAGE = Usage(
    ["git fswatch-status [<options>] [--] [<pathspec>...]"],
    [
        ("-v, --verbose", "be verbose"),
        ("-s, --short", "show status concisely"),
        ("-b, --branch", "show branch information"),
        ("--show-stash", "show stash information"),
        ("--ahead-behind", "compute full ahead/behind values"),
        ("--porcelain[=<version>]", "machine-readable output"),
        ("--long", "show status in long format (default)"),
        ("-z, --null", "terminate entries with NUL"),
        ("-u, --untracked-files[=<mode>]",
         "show untracked files, optional modes: all, normal, no. (Default: all)"),
        ("--ignored[=<mode>]",
         "show ignored files, optional modes: traditional, matching, no. (Default: traditional)"),
        ("--ignore-submodules[=<when>]",
         "ignore changes to submodules, optional when: all, dirty, untracked. (Default: all)"),
        ("--column[=<style>]", "list untracked files in columns"),
        ("--no-renames", "do not detect renames"),
        ("-M, --find-renames[=<n>]", "detect renames, optionally set similarity index"),
    ],
)


def fall_back_to_git(argv, code, detail=None):
    """Run the real `git status` with the same arguments; never returns."""
    event("status.decline", code=code, detail=detail, argv=list(argv))
    sys.stdout.flush()
    os.execvp("git", ["git", "status"] + list(argv))


def cold(argv):
    """The answer computed in this process: the bytes, or Decline."""
    # Imported here: a warm answer needs none of the engine.
    from git_fswatch.client import api
    from git_fswatch.repo import discover
    from git_fswatch.status.inputs import DiskInputs
    from git_fswatch.status.render import render
    inputs = DiskInputs(changed_since=api.changed_since)
    try:
        repo = discover.discover(inputs.git)
    except discover.NotARepository as e:
        raise Decline("not-a-worktree", str(e))
    data, status = render(repo, argv, inputs)
    event("status.answered", how=status.how, size=len(data))
    return data


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    for arg in argv:
        if arg == "--":
            break
        if arg in ("-h", "--help-all"):
            USAGE.help()
        if arg == "--help":
            show_manual("fswatch-status")
    # A helper daemon that runs for this worktree may hold the whole answer;
    # it costs one round trip, and any doubt answers None.
    answer = warm.try_warm(argv)
    if answer is not None:
        out, err, code = answer
        return _write(out, err, code)
    try:
        data = cold(argv)
    except Decline as e:
        fall_back_to_git(argv, e.code, e.detail)
    except ImportError as e:
        fall_back_to_git(argv, "import", str(e))
    except Exception as e:  # a bug of ours must not cost the user an answer
        fall_back_to_git(argv, "internal-error", "%s: %s" % (type(e).__name__, e))
    return _write(data, b"", 0)


def _write(out, err, code):
    # Like git, die quietly by SIGPIPE when the reader goes away.
    # (_signal, not signal: signal imports enum, 5 ms of a warm answer)
    import _signal
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    if out:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
    return code
