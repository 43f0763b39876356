"""GIT_FSWATCH_TRACE: log what git-fswatch does, in the manner of GIT_TRACE.

Unset, empty, "0" or "false": off.  "1", "2" or "true": standard error.  A
single digit 3-9: that file descriptor.  An absolute path: appended to.
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


def trace(fmt, *args):
    """Write one trace line; a no-op unless GIT_FSWATCH_TRACE is set."""
    if not enabled():
        return
    msg = fmt % args if args else fmt
    now = time.time()
    line = "%s.%06d %d fswatch: %s\n" % (
        time.strftime("%H:%M:%S", time.localtime(now)),
        int((now % 1) * 1e6), os.getpid(), msg)
    data = line.encode("utf-8", "backslashreplace")
    try:
        if isinstance(_sink, int):
            os.write(_sink, data)
        else:
            fd = os.open(_sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
    except OSError:
        pass


def reset():
    """Forget the resolved sink (after the environment changed, in tests)."""
    global _resolved
    _resolved = False
