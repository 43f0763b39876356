"""git's configuration, read once as git itself sees it, with git's value rules.

`git config -z --list` prints every setting git would use (system, global,
local and worktree files, includes, `git -c` and GIT_CONFIG_COUNT), each as
``<key>\\n<value>\\0``, or ``<key>\\0`` for a key written without a value
(which is boolean true).  Keys come in git's canonical spelling: section and
variable names in lower case, a subsection as written.

Values are interpreted as git interprets them (config.c):

- booleans: true/yes/on and false/no/off in any case, the empty string is
  false, a key without a value is true, anything else must be an integer
  (non-zero is true); a value that is none of these is an error, which git
  reports as "bad boolean config value" and dies on;
- integers: decimal with an optional k, m or g suffix (1024-based);
- color booleans (color.ui, color.status ...): always, never, auto, or a
  boolean, where true means auto.

A value git would die on raises ConfigError, a Decline: the status command
then hands the request to git, which says what is wrong exactly as git does.
"""

from git_fswatch.decline import Decline


class ConfigError(Decline):
    """A setting that git refuses (a bad boolean, a bad number ...), or
    configuration that cannot be read at all."""

    def __init__(self, detail):
        Decline.__init__(self, "bad-config", detail)


_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off", "")
_UNITS = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def parse_int(text):
    """An integer as git_parse_int() reads it (strtoimax: leading blanks and
    a sign, then digits and a k, m or g); ValueError otherwise."""
    v = text.lstrip(" \t\n\v\f\r").lower()
    scale = _UNITS.get(v[-1:], 1)
    if scale != 1:
        v = v[:-1]
    digits = v[1:] if v[:1] in ("+", "-") else v
    if not digits or not (digits.isdigit() and digits.isascii()):
        raise ValueError(text)
    return int(v) * scale


def parse_bool(value):
    """True or False as git_config_bool() reads *value* (None: a key
    without a value); ValueError if git would refuse it."""
    if value is None:
        return True
    v = value.lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return parse_int(value) != 0


def parse_colorbool(value):
    """True, False or "auto" as git_config_colorbool() reads *value*."""
    if value is not None:
        v = value.lower()
        if v == "always":
            return True
        if v == "never":
            return False
        if v == "auto":
            return "auto"
    return "auto" if parse_bool(value) else False


class Config:
    """All settings as `git config -z --list` printed them, in order."""

    def __init__(self, pairs=()):
        self._values = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    @classmethod
    def parse(cls, data):
        """From the bytes of `git config -z --list`."""
        pairs = []
        for item in data.split(b"\0"):
            if not item:
                continue
            key, nl, value = item.partition(b"\n")
            pairs.append((key.decode("utf-8", "surrogateescape"),
                          value.decode("utf-8", "surrogateescape") if nl else None))
        return cls(pairs)

    @classmethod
    def read(cls, git):
        """Read it with the runner *git* (repo/git.py), in its directory
        and environment."""
        proc = git.run(["config", "-z", "--list"])
        if proc.returncode != 0:
            raise ConfigError("git config --list failed: %s"
                              % proc.stderr.decode("utf-8", "replace").strip())
        return cls.parse(proc.stdout)

    def __contains__(self, key):
        return key in self._values

    def keys(self):
        return self._values.keys()

    def __iter__(self):
        return iter(self._values)

    def get_all(self, key):
        """Every value of *key*, in git's order (None for a bare key)."""
        return list(self._values.get(key, ()))

    def get(self, key, default=None):
        """The last value of *key* (None for a bare key), or *default*."""
        values = self._values.get(key)
        return values[-1] if values else default

    def bool(self, key, default):
        if key not in self._values:
            return default
        value = self._values[key][-1]
        try:
            return parse_bool(value)
        except ValueError:
            raise ConfigError("bad boolean config value '%s' for '%s'" % (value, key))

    def int(self, key, default):
        if key not in self._values:
            return default
        value = self._values[key][-1]
        try:
            return parse_int(value or "")
        except ValueError:
            raise ConfigError("bad numeric config value '%s' for '%s'" % (value, key))

    def colorbool(self, key, default):
        if key not in self._values:
            return default
        value = self._values[key][-1]
        try:
            return parse_colorbool(value)
        except ValueError:
            raise ConfigError("bad boolean config value '%s' for '%s'" % (value, key))
