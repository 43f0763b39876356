"""git fswatch-notify: the per-repository inotify helper (argument parsing)."""

import sys

from git_fswatch.cli.usage import Usage

USAGE = Usage(
    ["git fswatch-notify [--timeout=<seconds>] <action>"],
    [
        ("--timeout <seconds>", "exit the daemon after this many idle seconds"),
        (None, ""),
        (None, "actions: get, listdir <dir>, fetchall, status, exit, daemon"),
    ],
)


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help-all"):
        if argv:
            USAGE.help()
        USAGE.error("no action given")
    USAGE.error("unknown action '%s'" % argv[0])
