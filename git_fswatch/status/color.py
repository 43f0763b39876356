"""Color as git status paints it: color.status, color.ui and the slots.

color.status (else color.ui, default auto) decides: always, never, or auto
(true means auto): color when standard output is a terminal, or git's pager
(GIT_PAGER_IN_USE, unless color.pager is false), and TERM is set and not
"dumb".  The slots keep git's defaults; a color.status.<slot> setting
raises Unsupported, since we do not reproduce git's color parser.
"""

import os

from git_fswatch.status.model import Unsupported

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


def _colorbool(value):
    v = value.strip().lower()
    if v == "always":
        return True
    if v == "never":
        return False
    if v == "auto":
        return None
    if v in ("true", "yes", "on", "1", ""):
        return None  # a plain truth value means auto
    if v in ("false", "no", "off", "0"):
        return False
    raise Unsupported("color value %r" % value)


def want_color(config, isatty=None):
    """True when git status would color its output."""
    setting = None
    for key in ("color.status", "color.ui"):
        values = config.get(key)
        if values:
            setting = _colorbool(values[-1])
            break
    else:
        setting = None  # color.ui defaults to auto
    if setting is None:
        if isatty is None:
            isatty = os.isatty(1) or (_pager_in_use() and _pager_color(config))
        term = os.environ.get("TERM")
        return bool(isatty and term and term != "dumb")
    return setting


def _pager_in_use():
    """git runs us under its pager (`git -p`): it says so in the environment."""
    v = os.environ.get("GIT_PAGER_IN_USE", "").strip().lower()
    return v in ("true", "yes", "on", "1")


def _pager_color(config):
    values = config.get("color.pager")
    if not values:
        return True
    v = values[-1]
    if v is None:
        return True
    v = v.strip().lower()
    if v in ("true", "yes", "on", "1"):
        return True
    if v in ("false", "no", "off", "0", ""):
        return False
    raise Unsupported("color.pager=%r" % values[-1])


def palette(config):
    for key in config:
        if key.startswith("color.status."):
            raise Unsupported("%s is set" % key)
    return Palette()
