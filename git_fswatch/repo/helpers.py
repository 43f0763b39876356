"""core.fswatchHelper: which helper answers "what changed?", as git finds credential helpers.

The value is read from git's configuration (repo/config.py); the last value
wins, so an empty value after others turns the helper off (as an empty
credential.helper resets the list).  Unset or empty: no helper, callers scan.

- ``notify --timeout=600``: a plain name runs ``git fswatch-<name>``; the
  words after the name are its options.
- ``/path/to/helper -v``: an absolute path runs as is.
- ``!f() { ...; }; f``: a shell snippet.

Each runs through the shell with the action appended, as git runs
credential helpers: ``sh -c '<command> "$@"' <command> get``.

The built-in helper (``notify``, options this module understands) is
recognised so that callers reach its daemon over the socket directly,
without a process per query.
"""

KEY = "core.fswatchHelper"
BUILTIN = "notify"

# The daemon's idle timeout when none is configured.  A restart costs a full
# crawl and makes the next status scan everything, while an idle daemon costs
# only memory and inotify watches: half an hour keeps it through a meeting or
# a long build, and still frees the watches of a repository one left.
DEFAULT_TIMEOUT = 1800


class Helper:
    """A resolved helper.

    command: the shell command the action is appended to.
    builtin: True when it is our own notify helper, reached over its socket.
    timeout: for the built-in helper, the daemon's idle timeout in seconds.
    options: for the built-in helper, the words after its name.
    """

    def __init__(self, command, builtin=False, timeout=DEFAULT_TIMEOUT, options=()):
        self.command = command
        self.builtin = builtin
        self.timeout = timeout
        self.options = list(options)

    def __repr__(self):
        return "Helper(%r, builtin=%r, timeout=%r)" % (self.command, self.builtin, self.timeout)

    def argv(self, *action):
        """The argv that runs this helper's *action* through the shell."""
        return ["sh", "-c", self.command + ' "$@"', self.command] + list(action)


def parse_timeout(text):
    """Seconds from ``--timeout`` (a positive integer); ValueError otherwise."""
    if not text.isdigit() or not text.isascii() or int(text) <= 0:
        raise ValueError("--timeout wants a positive number of seconds, not '%s'" % text)
    return int(text)


def parse_notify_options(words):
    """The built-in helper's options: returns the idle timeout.

    Raises ValueError on anything it does not understand.
    """
    timeout = DEFAULT_TIMEOUT
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--timeout="):
            timeout = parse_timeout(word[len("--timeout="):])
        elif word == "--timeout":
            if i + 1 >= len(words):
                raise ValueError("--timeout needs a value")
            i += 1
            timeout = parse_timeout(words[i])
        else:
            raise ValueError("unknown option '%s'" % word)
        i += 1
    return timeout


# Words the shell passes through unchanged: only then do we know the options
# the built-in helper would see without asking a shell.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=.,:+/-")


def _plain_word(word):
    return bool(word) and all(c in _PLAIN for c in word)


def resolve(value):
    """Resolve one configured value into a Helper, or None for "no helper"."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.startswith("!"):
        return Helper(command=value[1:])
    if value.startswith("/"):
        return Helper(command=value)
    words = value.split()
    name, options = words[0], words[1:]
    command = "git fswatch-" + value
    if name == BUILTIN and all(_plain_word(w) for w in options):
        try:
            timeout = parse_notify_options(options)
        except ValueError:
            # Let the helper itself say what is wrong, in the usual way.
            return Helper(command=command)
        return Helper(command=command, builtin=True, timeout=timeout,
                      options=options)
    return Helper(command=command)


def helper_for(config):
    """The Helper that *config* (a repo.config.Config) names, or None."""
    values = config.get_all(KEY.lower())
    return resolve(values[-1]) if values else None
