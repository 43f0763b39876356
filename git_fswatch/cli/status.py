"""git fswatch-status: print what `git status` prints, computed faster.

Argument parsing only.  Until the status engine handles a request, the
command runs the real `git status` with the same arguments, which is correct
by construction.
"""

import os
import sys

from git_fswatch.cli.usage import Usage

USAGE = Usage(
    ["git fswatch-status [<options>] [--] [<pathspec>...]"],
    [
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


def fall_back_to_git(argv):
    """Run the real `git status` with the same arguments; never returns."""
    from git_fswatch.trace import trace
    trace("status: running git status %r", argv)
    sys.stdout.flush()
    os.execvp("git", ["git", "status"] + list(argv))


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    for arg in argv:
        if arg == "--":
            break
        if arg in ("-h", "--help-all"):
            USAGE.help()
    fall_back_to_git(argv)
