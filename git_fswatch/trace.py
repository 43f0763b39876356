"""GIT_FSWATCH_TRACE: what git-fswatch does, as events, in the manner of GIT_TRACE.

Unset, empty, "0" or "false": off.  "1", "2" or "true": standard error.  A
single digit 3-9: that file descriptor.  An absolute path: appended to.

Each line is one event: the time, the process id, "fswatch:", the event's
name (dotted words, no spaces: ``status.decline``, ``daemon.request``) and
its fields as one JSON object::

    14:03:07.120391 4711 fswatch: status.decline {"code": "submodule", "detail": "..."}

Names and field keys are the contract (tests and tools match on them, see
parse()); the words of a "detail" or "message" field are for people.  Paths
given as bytes are written as text, undecodable bytes escaped.
"""

import os
import sys
import time

_sink = None
_resolved = False


def _resolve():
    global _sink, _resolved
    _resolved = True
    value = os.environ.get("GIT_FSWATCH_TRACE", "")
    if value.lower() in ("", "0", "false", "no", "off"):
        _sink = None
    elif value.lower() in ("1", "2", "true", "yes", "on"):
        _sink = 2
    elif len(value) == 1 and value.isdigit():
        _sink = int(value)
    elif value.startswith("/"):
        _sink = value
    else:
        sys.stderr.write("warning: unknown GIT_FSWATCH_TRACE value '%s';"
                         " use 1, a file descriptor or an absolute path\n" % value)
        _sink = None


def enabled():
    if not _resolved:
        _resolve()
    return _sink is not None


def _plain(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def event(name, **fields):
    """Write one event; a no-op unless GIT_FSWATCH_TRACE is set."""
    if not enabled():
        return
    import json                          # only when tracing: the hook stays light
    now = time.time()
    line = "%s.%06d %d fswatch: %s" % (time.strftime("%H:%M:%S", time.localtime(now)),
                                       int((now % 1) * 1e6), os.getpid(), name)
    if fields:
        line += " " + json.dumps({k.replace("_", "-"): _plain(v) for k, v in fields.items()},
                                 sort_keys=True)
    data = (line + "\n").encode("utf-8", "backslashreplace")
    try:
        if isinstance(_sink, int):
            os.write(_sink, data)
        else:
            fd = os.open(_sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
    except OSError:
        pass


def trace(fmt, *args):
    """A free-form line, as the event "note" with a "message" field (for
    what only a person reads: nothing should match on its words)."""
    if not enabled():
        return
    event("note", message=fmt % args if args else fmt)


def parse(line):
    """(name, fields) of one trace line, or None if it is not an event."""
    import json
    head, sep, rest = line.rstrip("\n").partition(" fswatch: ")
    if not sep:
        return None
    name, _, fields = rest.partition(" ")
    try:
        return name, (json.loads(fields) if fields else {})
    except ValueError:
        return None


def reset():
    """Forget the resolved sink (after the environment changed, in tests)."""
    global _resolved
    _resolved = False
