"""Usage messages and exit codes in git's manner.

`-h` prints the usage on standard output and exits 129, as git's commands do;
bad usage prints "error: ..." and the usage on standard error and exits 129.
"""

import os
import sys

USAGE_EXIT = 129


class Usage:
    def __init__(self, synopsis, options=()):
        """synopsis: list of lines after "usage: "; options: (spec, help) pairs."""
        self.synopsis = list(synopsis)
        self.options = list(options)

    def text(self):
        lines = []
        for i, line in enumerate(self.synopsis):
            lines.append(("usage: " if i == 0 else "   or: ") + line)
        if self.options:
            lines.append("")
            for spec, help_text in self.options:
                if spec is None:
                    lines.append(help_text)
                    continue
                head = "    " + spec
                if len(head) > 25:
                    lines.append(head)
                    lines.append(" " * 26 + help_text)
                else:
                    lines.append("%-26s%s" % (head, help_text))
        lines.append("")
        return "\n".join(lines) + "\n"

    def help(self):
        sys.stdout.write(self.text())
        sys.stdout.flush()
        sys.exit(USAGE_EXIT)

    def error(self, message):
        sys.stderr.write("error: %s\n" % message)
        sys.stderr.write(self.text())
        sys.exit(USAGE_EXIT)


def show_manual(page):
    """`--help`, as git's own commands take it: open the manual page through
    `git help`, which honours help.format and man.viewer; never returns."""
    sys.stdout.flush()
    try:
        os.execvp("git", ["git", "help", page])
    except OSError as e:
        die("cannot run git help: %s" % e)


def die(message, code=128):
    """git's die(): "fatal: ..." on standard error, exit 128."""
    sys.stderr.write("fatal: %s\n" % message)
    sys.exit(code)
