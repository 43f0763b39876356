"""Color as git status paints it: color.status, color.ui and the slots.

color.status (else color.ui, default auto) decides: always, never, or auto
(true means auto): color when standard output is a terminal, or git's pager
(GIT_PAGER_IN_USE, unless color.pager is false), and TERM is set and not
"dumb".  The slots keep git's defaults; a color.status.<slot> setting
declines, since we do not reproduce git's color parser.
"""

from git_fswatch.decline import Decline

RESET = b"\x1b[m"
GREEN = b"\x1b[32m"
RED = b"\x1b[31m"

DEFAULTS = {
    "header": b"", "updated": GREEN, "changed": RED, "untracked": RED,
    "ignored": RED, "unmerged": RED, "branch": b"", "nobranch": RED,
    "localBranch": GREEN, "remoteBranch": RED,
}


class Palette:
    def __init__(self, colors=None):
        self.colors = dict(DEFAULTS if colors is None else colors)

    def paint(self, slot, text):
        """*text* in *slot*'s color; a newline stays outside the color."""
        code = self.colors.get(slot, b"")
        if not code or not text:
            return text
        if text.endswith(b"\n"):
            return code + text[:-1] + RESET + b"\n"
        return code + text + RESET


def want_color(config, isatty, env):
    """True when git status would color its output.  *isatty*: whether the
    command's standard output is a terminal; *env*: its environment."""
    setting = "auto"                       # color.ui defaults to auto
    for key in ("color.status", "color.ui"):
        if key in config:
            setting = config.colorbool(key, "auto")
            break
    if setting != "auto":
        return setting
    if not isatty and pager_in_use(env):
        isatty = config.bool("color.pager", True)
    term = env.get("TERM")
    return bool(isatty and term and term != "dumb")


def pager_in_use(env):
    """git runs us under its pager (`git -p`): it says so in the environment."""
    v = env.get("GIT_PAGER_IN_USE", "").strip().lower()
    return v in ("true", "yes", "on", "1")


def palette(config):
    for key in config:
        if key.startswith("color.status."):
            raise Decline("color-slot", "%s is set" % key)
    return Palette()
