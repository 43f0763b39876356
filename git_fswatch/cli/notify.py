"""git fswatch-notify: the per-repository inotify helper (argument parsing).

Each action imports what it needs when it runs: `hook` is started by git for
every command, so nothing heavy may be imported at the top of this module.
"""

import os
import sys

from git_fswatch.cli.usage import Usage, die, show_manual

ACTIONS = ("get", "listdir", "fetchall", "status", "exit", "daemon", "start",
           "hook", "enable", "disable")

USAGE = Usage(
    ["git fswatch-notify [--timeout=<seconds>] get",
     "git fswatch-notify [--timeout=<seconds>] (listdir <dir> | fetchall)",
     "git fswatch-notify (status | exit)",
     "git fswatch-notify [--timeout=<seconds>] (daemon | start)",
     "git fswatch-notify [--timeout=<seconds>] hook <version> <token>",
     "git fswatch-notify (enable | disable)"],
    [
        ("--timeout <seconds>", "exit the daemon after this many idle seconds"
         " (default 1800)"),
        (None, ""),
        (None, "actions:"),
        ("get", "what changed since the token on stdin (records on stdout)"),
        ("listdir <dir>", "the daemon's stat data for one directory"),
        ("fetchall", "the daemon's stat data for the whole worktree"),
        ("status", "whether a daemon serves this worktree, and what it does"),
        ("exit", "stop the daemon"),
        ("daemon", "run the daemon in the foreground"),
        ("start", "start the daemon in the background and wait until it serves"),
        ("hook <version> <token>", "answer git's core.fsmonitor hook"),
        ("enable", "use the helper and the hook in this repository"),
        ("disable", "stop using them"),
    ],
)

# `start` waits longer than a query would: its caller wants a serving daemon.
START_WAIT = 60.0


def _parse(argv):
    timeout = None
    ready_fd = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-h":
            USAGE.help()
        if arg == "--help":
            show_manual("fswatch-notify")
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-"):
            break
        if arg.startswith("--timeout=") or arg == "--timeout":
            if arg == "--timeout":
                i += 1
                if i >= len(argv):
                    USAGE.error("option 'timeout' requires a value")
                value = argv[i]
            else:
                value = arg[len("--timeout="):]
            from git_fswatch.repo.helpers import parse_timeout
            try:
                timeout = parse_timeout(value)
            except ValueError as e:
                USAGE.error(str(e))
        else:
            USAGE.error("unknown option '%s'" % arg.lstrip("-"))
        i += 1
    rest = argv[i:]
    if not rest:
        USAGE.error("no action given")
    action, args = rest[0], rest[1:]
    if action not in ACTIONS:
        USAGE.error("unknown action '%s'" % action)
    if action == "daemon":
        for a in args:
            if a.startswith("--ready-fd=") and a[len("--ready-fd="):].isdigit():
                ready_fd = int(a[len("--ready-fd="):])
            else:
                USAGE.error("unknown argument '%s' for daemon" % a)
        args = []
    return timeout, action, args, ready_fd


def _want_args(action, args, n, names):
    if len(args) != n:
        USAGE.error("'%s' takes %s" % (action, names or "no arguments"))


def _repo_and_private():
    from git_fswatch.repo import discover
    from git_fswatch.repo.git import Git
    from git_fswatch.wire import place
    try:
        repo = discover.discover(Git())
    except discover.NotARepository as e:
        die(str(e))
    try:
        private = place.private_dir(repo.git_dir, repo.worktree)
    except place.UnsafeDirectory as e:
        die(str(e))
    except OSError as e:
        die("cannot make the private directory: %s" % e)
    return repo, private


def _write_records(msg):
    from git_fswatch.wire import protocol
    out = sys.stdout.buffer
    out.write(protocol.encode(msg.records))
    out.flush()


# listdir and fetchall read stat data as they answer: a fetchall of a
# million files takes the daemon seconds (12 s the first time, measured),
# well past the answer timeout that suits get and the hook.
LISTING_TIMEOUT = 600.0


def _ask(action, records, timeout, spawn=True, wait=None, answer_timeout=None):
    """Ask the daemon; write its answer; return the exit code."""
    from git_fswatch.client import connect
    from git_fswatch.wire import transport
    from git_fswatch.wire import protocol
    repo, private = _repo_and_private()
    kwargs = {} if wait is None else {"wait": wait}
    if answer_timeout is not None:
        kwargs["answer_timeout"] = answer_timeout
    try:
        msg = connect.ask(repo, private, [("version", 1), ("action", action)] + records,
                         spawn=spawn, timeout=timeout, **kwargs)
    except transport.NoDaemon:
        return None
    except connect.Starting as e:
        if action != "get":
            sys.stderr.write("error: %s\n" % e)
            return 1
        msg = protocol.Message([(b"version", b"1"), (b"everything", b"starting")])
    except connect.Unreachable as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    _write_records(msg)
    error = msg.get("error")
    if error is not None:
        sys.stderr.write("error: %s\n" % error.decode("utf-8", "replace"))
        return 1
    return 0


def cmd_get(timeout, args):
    from git_fswatch.wire import protocol
    _want_args("get", args, 0, None)
    data = sys.stdin.buffer.read(protocol_limit() + 1)
    if len(data) > protocol_limit():
        die("request on standard input is too long")
    try:
        request = protocol.decode_request_stdin(data)
    except protocol.ProtocolError as e:
        die("bad request on standard input: %s" % e)
    token = request.get("token")
    return _ask("get", [("token", token)] if token is not None else [], timeout)


def protocol_limit():
    from git_fswatch.wire.protocol import MAX_REQUEST
    return MAX_REQUEST


def cmd_listdir(timeout, args):
    _want_args("listdir", args, 1, "one directory")
    path = os.fsencode(args[0])
    return _ask("listdir", [("path", path)], timeout, answer_timeout=LISTING_TIMEOUT)


def cmd_fetchall(timeout, args):
    _want_args("fetchall", args, 0, None)
    return _ask("fetchall", [], timeout, answer_timeout=LISTING_TIMEOUT)


def cmd_status(timeout, args):
    from git_fswatch.client import connect
    from git_fswatch.wire import transport
    _want_args("status", args, 0, None)
    repo, private = _repo_and_private()
    try:
        msg = connect.ask(repo, private, [("version", 1), ("action", "status")],
                         spawn=False)
    except transport.NoDaemon:
        print("no daemon running")
        return 1
    except connect.Unreachable as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    out = sys.stdout.buffer
    for key, value in msg.records:
        if key == b"version":
            continue
        out.write(key + b": " + value + b"\n")
    out.flush()
    return 0


def cmd_exit(timeout, args):
    from git_fswatch.client import connect
    from git_fswatch.wire import transport
    _want_args("exit", args, 0, None)
    repo, private = _repo_and_private()
    try:
        connect.ask(repo, private, [("version", 1), ("action", "exit")], spawn=False)
    except transport.NoDaemon:
        return 0
    except connect.Unreachable as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    return 0


def cmd_start(timeout, args):
    from git_fswatch.client import connect
    _want_args("start", args, 0, None)
    repo, private = _repo_and_private()
    try:
        connect.ask(repo, private, [("version", 1), ("action", "status")],
                   spawn=True, timeout=timeout, wait=START_WAIT, force=True)
    except connect.Unreachable as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    return 0


def cmd_daemon(timeout, args, ready_fd):
    from git_fswatch.repo import helpers
    from git_fswatch.server.daemon import Daemon
    repo, private = _repo_and_private()
    if ready_fd is None:
        # In the foreground the readiness word ("ok") goes to standard output.
        sys.stdout.flush()
        ready_fd = os.dup(1)
        foreground = True
    else:
        foreground = False
    d = Daemon(repo, private, timeout or helpers.DEFAULT_TIMEOUT, ready_fd, foreground)
    code = d.run()
    if foreground and d.busy:
        sys.stderr.write("warning: a daemon already serves this worktree\n")
    if code and foreground and d.declined:
        sys.stderr.write("error: %s\n" % d.declined)
    return code


def cmd_configure(action, args):
    """`enable`: helper, hook and untracked cache on; `disable`: all off
    (and the daemon stopped)."""
    from git_fswatch.cli import enable
    from git_fswatch.repo import discover
    from git_fswatch.repo.git import Git
    if args:
        Usage(["git fswatch-notify (enable | disable)"]).error(
            "'%s' takes no arguments" % action)
    git = Git()
    try:
        discover.discover(git)
    except discover.NotARepository as e:
        die(str(e))
    failed = enable.enable(git) if action == "enable" else enable.disable(git)
    if failed:
        die(failed)
    if action == "disable":
        return cmd_exit(None, [])
    return 0


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    timeout, action, args, ready_fd = _parse(argv)
    if action == "daemon":
        return cmd_daemon(timeout, args, ready_fd)
    if action == "hook":
        if len(args) != 2:
            Usage(["git fswatch-notify [--timeout=<seconds>] hook <version> <token>"]).error(
                "'hook' takes a version and a token")
        from git_fswatch.client import hook
        return hook.run(args[0], args[1], timeout)
    if action in ("enable", "disable"):
        return cmd_configure(action, args)
    return globals()["cmd_" + action](timeout, args)


if __name__ == "__main__":
    sys.exit(main())
