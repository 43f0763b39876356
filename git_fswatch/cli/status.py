"""git fswatch-status: print what `git status` prints, computed faster.

Argument parsing and configuration only: the engine (status/engine.py)
computes the entries, the formatters (status/format_*.py) print them.  Every
option git status accepts is either understood here or sends the whole
request to the real `git status`, as does any parse error (so that git's own
messages and exit codes are what the user sees), an unsupported
configuration, or an engine or formatter that raises Unsupported.  Under
GIT_FSWATCH_TRACE the command says when it falls back and why.
"""

import os
import sys

from git_fswatch.cli.usage import Usage

USAGE = Usage(
    ["git fswatch-status [<options>] [--] [<pathspec>...]"],
    [
        ("-v, --verbose", "be verbose"),
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

UNTRACKED_MODES = ("no", "normal", "all")
IGNORED_MODES = ("no", "traditional", "matching")
SUBMODULE_MODES = ("none", "untracked", "dirty", "all")


class FallBack(Exception):
    """Hand the request to the real git status; the message says why."""


class Args:
    """The command line, with None for "not given" so config can fill in."""

    def __init__(self):
        self.format = None        # "short", "long", "porcelain", "porcelain2"
        self.branch = None
        self.show_stash = None
        self.ahead_behind = None
        self.nul = False
        self.untracked = None
        self.ignored = "no"
        self.ignore_submodules = None
        self.renames = None
        self.rename_score = None
        self.pathspecs = []


def _rename_score(value):
    # git reads the digits as a fraction ("5" is 50%, "50" is 50%); accept
    # only the unambiguous spellings and let git handle the rest.
    if len(value) == 2 and value.isdigit():
        return int(value)
    if len(value) == 3 and value[:2].isdigit() and value[2] == "%":
        return int(value[:2])
    raise FallBack("rename score %r" % value)


def _untracked(value):
    if value not in UNTRACKED_MODES:
        raise FallBack("untracked files mode %r" % value)
    return value


def parse_args(argv):
    """Parse git status's command line into Args; FallBack on anything else."""
    a = Args()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            a.pathspecs.extend(argv[i:])
            break
        if not arg.startswith("-") or arg == "-":
            a.pathspecs.append(arg)
            continue
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if name in ("short", "long") and not eq:
                a.format = name
            elif name == "branch" and not eq:
                a.branch = True
            elif name == "no-branch" and not eq:
                a.branch = False
            elif name == "show-stash" and not eq:
                a.show_stash = True
            elif name == "no-show-stash" and not eq:
                a.show_stash = False
            elif name == "ahead-behind" and not eq:
                a.ahead_behind = True
            elif name == "no-ahead-behind" and not eq:
                a.ahead_behind = False
            elif name == "porcelain":
                if not eq or value == "v1":
                    a.format = "porcelain"
                elif value == "v2":
                    a.format = "porcelain2"
                else:
                    raise FallBack("porcelain version %r" % value)
            elif name == "null" and not eq:
                a.nul = True
            elif name == "untracked-files":
                a.untracked = _untracked(value) if eq else "all"
            elif name == "ignored":
                if eq and value not in IGNORED_MODES:
                    raise FallBack("ignored mode %r" % value)
                a.ignored = value if eq else "traditional"
            elif name == "ignore-submodules":
                if eq and value not in SUBMODULE_MODES:
                    raise FallBack("ignore-submodules %r" % value)
                a.ignore_submodules = value if eq else "all"
            elif name == "no-column" and not eq:
                pass
            elif name == "no-renames" and not eq:
                a.renames = False
            elif name == "find-renames":
                a.renames = True
                if eq:
                    a.rename_score = _rename_score(value)
            else:
                raise FallBack("option %r" % arg)
            continue
        # A cluster of short options: -sb, -uno, -M50, -zs.
        j = 1
        while j < len(arg):
            c = arg[j]
            j += 1
            if c == "s":
                a.format = "short"
            elif c == "b":
                a.branch = True
            elif c == "z":
                a.nul = True
            elif c == "u":
                a.untracked = _untracked(arg[j:]) if j < len(arg) else "all"
                break
            elif c == "M":
                a.renames = True
                if j < len(arg):
                    a.rename_score = _rename_score(arg[j:])
                break
            else:
                raise FallBack("option %r" % arg)
    return a


# -- configuration ----------------------------------------------------------
def read_config():
    """All of git's configuration as git sees it (files, includes, `git -c`,
    GIT_CONFIG_COUNT): a dict of canonical key -> list of values (None for a
    bare key).  libgit2's config would miss `git -c`."""
    import subprocess
    proc = subprocess.run(["git", "config", "-z", "--list"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise FallBack("git config --list failed")
    config = {}
    for item in proc.stdout.split(b"\0"):
        if not item:
            continue
        key, nl, value = item.partition(b"\n")
        key = key.decode("utf-8", "surrogateescape")
        config.setdefault(key, []).append(
            value.decode("utf-8", "surrogateescape") if nl else None)
    return config


def config_bool(config, key, default):
    values = config.get(key)
    if not values:
        return default
    v = values[-1]
    if v is None:
        return True
    low = v.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off", ""):
        return False
    try:
        return int(low, 0) != 0
    except ValueError:
        raise FallBack("bad boolean config value %r for %s" % (v, key))


def _last(config, key):
    values = config.get(key)
    return values[-1] if values else None


def check_environment(config):
    """FallBack for settings that change the output in ways we do not copy."""
    for key in ("status.renamelimit", "diff.renamelimit", "pager.status"):
        if key in config:
            raise FallBack("%s is set" % key)
    summary = _last(config, "status.submodulesummary")
    if summary is not None and summary.strip().lower() not in ("false", "no", "off", "0"):
        raise FallBack("status.submoduleSummary is set")
    for key in ("column.status", "column.ui"):
        v = _last(config, key)
        if v is not None and v.strip().lower() not in ("never", "false", "no", "off", "0"):
            raise FallBack("%s=%s asks for columns" % (key, v))
    # git translates its messages; we print only the untranslated ones.
    locale = (os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES")
              or os.environ.get("LANG") or "")
    if locale and locale not in ("C", "POSIX") and not locale.startswith(("C.", "en_", "en.")):
        raise FallBack("locale %s may translate git's messages" % locale)
    if locale not in ("", "C", "POSIX") and not locale.startswith("C.") and \
            os.environ.get("LANGUAGE", "") not in ("", "C", "en") and \
            not os.environ.get("LANGUAGE", "").startswith("en"):
        raise FallBack("LANGUAGE=%s may translate git's messages" % os.environ["LANGUAGE"])


def renames_from_config(config):
    """(renames, copies) from status.renames, else diff.renames."""
    for key in ("status.renames", "diff.renames"):
        v = _last(config, key)
        if key in config:
            if v is not None and v.strip().lower() in ("copies", "copy"):
                return True, True
            return config_bool(config, key, True), False
    return True, False


def comment_char(config):
    """core.commentChar: one byte; "auto" means '#' for git status."""
    v = _last(config, "core.commentchar")
    if "core.commentchar" not in config or v == "auto":
        return b"#"
    if v is None or len(v.encode("utf-8", "surrogateescape")) != 1:
        raise FallBack("core.commentChar=%r" % v)  # git refuses it
    return v.encode("utf-8", "surrogateescape")


def prefix_of(worktree):
    """The cwd below the top of the worktree, as b"" or b"dir/sub/"."""
    cwd = os.path.realpath(os.getcwd())
    rel = os.path.relpath(cwd, worktree)
    if rel == ".":
        return b""
    if rel.startswith(".."):
        raise FallBack("the cwd is outside the worktree")
    return os.fsencode(rel).replace(os.sep.encode(), b"/") + b"/"


def settle(args, config):
    """Combine the command line and config the way git status does.

    Returns (format, Output fields as a dict, Request fields as a dict).
    """
    fmt = args.format
    porcelain = fmt in ("porcelain", "porcelain2")
    if args.nul:
        if fmt == "long":
            raise FallBack("--long with -z")  # git dies with its own message
        if fmt is None:
            fmt = "porcelain"
    deferred = not porcelain and not args.nul
    if fmt is None:
        fmt = "short" if deferred and config_bool(config, "status.short", False) else "long"
    branch = args.branch
    if branch is None:
        branch = deferred and config_bool(config, "status.branch", False)
    ahead_behind = args.ahead_behind
    if ahead_behind is None:
        ahead_behind = config_bool(config, "status.aheadbehind", True) if deferred else True
    show_stash = args.show_stash
    if show_stash is None:
        show_stash = config_bool(config, "status.showstash", False)
    # git checks status.showUntrackedFiles while it reads its config, so a
    # bad value is fatal even when -u is given: let git say so.
    values = config.get("status.showuntrackedfiles")
    configured = values[-1] if values else "normal"
    if configured not in UNTRACKED_MODES:  # git is case-sensitive here
        raise FallBack("status.showUntrackedFiles=%s" % configured)
    untracked = args.untracked
    if untracked is None:
        untracked = configured
    renames, copies = renames_from_config(config)
    if args.renames is not None:
        renames = args.renames
        if not renames:
            copies = False
    if fmt == "long" and args.nul:
        raise FallBack("--long with -z")
    out = dict(
        relative_paths=config_bool(config, "status.relativepaths", True),
        quote_path=config_bool(config, "core.quotepath", True),
        nul=args.nul, branch=branch, show_stash=show_stash,
        ahead_behind=ahead_behind, untracked=untracked, ignored=args.ignored,
        hints=config_bool(config, "advice.statushints", True),
        comment_prefix=config_bool(config, "status.displaycommentprefix", False),
        comment_char=comment_char(config))
    req = dict(untracked=untracked, ignored=args.ignored,
               pathspecs=list(args.pathspecs), renames=renames, copies=copies,
               rename_score=args.rename_score or 50,
               ignore_submodules=args.ignore_submodules or "none")
    return fmt, out, req


def render(repo, argv, compute, isatty=None):
    """The bytes git status would print, or FallBack/Unsupported.

    *isatty*: whether the output goes to a terminal (for color.status=auto);
    None asks standard output.  The warm engine computes in the helper's
    daemon for a client whose terminal is elsewhere, and says.
    """
    from git_fswatch.status.model import Unsupported
    from git_fswatch.status import options
    args = parse_args(argv)
    config = read_config()
    check_environment(config)
    fmt, out_fields, req_fields = settle(args, config)
    colored = fmt in ("long", "short") and want_color_for(config, isatty)
    if out_fields["comment_prefix"] and fmt == "long" and colored:
        raise Unsupported("colored output with the comment prefix")
    prefix = prefix_of(repo.worktree)
    out = options.Output(prefix=prefix, **out_fields)
    if colored:
        from git_fswatch.status import color
        out.color = color.palette(config)

    from git_fswatch.status import engine
    req = engine.Request(prefix=prefix.decode("utf-8", "surrogateescape"), **req_fields)
    status = compute(repo, req)

    from git_fswatch.status import branch as br
    if fmt == "long" or out.branch:
        status.branch = br.read_branch(repo.git_dir, config, out.ahead_behind)
    if out.show_stash:
        status.stash_count = br.stash_count(repo.common_dir)
    if fmt == "long":
        from git_fswatch.status import format_long, wtstate
        state = wtstate.read_state(repo.git_dir, config, status.branch)
        return format_long.format_long(status, out, state)
    if fmt == "porcelain2":
        from git_fswatch.status import format_porcelain2
        return format_porcelain2.format_porcelain2(status, out)
    from git_fswatch.status import format_short
    return format_short.format_short(status, out, porcelain=(fmt == "porcelain"))


def want_color_for(config, isatty=None):
    from git_fswatch.status import color
    return color.want_color(config, isatty)


def fall_back_to_git(argv, why=None):
    """Run the real `git status` with the same arguments; never returns."""
    from git_fswatch.trace import trace
    trace("status: falling back to git status %r: %s", list(argv), why or "not implemented")
    sys.stdout.flush()
    os.execvp("git", ["git", "status"] + list(argv))


def _engine_compute(repo, req):
    from git_fswatch.status import engine
    return engine.compute(repo, req)


def main(argv=None, compute=None):
    if argv is None:
        argv = sys.argv[1:]
    for arg in argv:
        if arg == "--":
            break
        if arg in ("-h", "--help-all"):
            USAGE.help()
        if arg == "--help":
            from git_fswatch.cli.usage import show_manual
            show_manual("fswatch-status")
    # A helper daemon that runs for this worktree may hold the whole answer
    # (warm.py); it costs one round trip, and any doubt answers None.
    from git_fswatch.client import warm as warm_client
    answer = warm_client.try_warm(argv)
    if answer is not None:
        out, err, code = answer
        return _write(out, err, code)
    from git_fswatch.repo import discover
    from git_fswatch.status.model import Unsupported
    from git_fswatch.trace import trace
    try:
        repo = discover.discover()
    except discover.NotARepository as e:
        fall_back_to_git(argv, "not in a worktree: %s" % e)
    try:
        data = render(repo, argv, compute or _engine_compute)
    except (FallBack, Unsupported) as e:
        fall_back_to_git(argv, str(e))
    except ImportError as e:
        fall_back_to_git(argv, "cannot import: %s" % e)
    except Exception as e:  # a bug of ours must not cost the user an answer
        fall_back_to_git(argv, "internal error: %s: %s" % (type(e).__name__, e))
    trace("status: answered without git status (%d bytes)", len(data))
    return _write(data, b"", 0)


def _write(out, err, code):
    # Like git, die quietly by SIGPIPE when the reader goes away.
    # (_signal, not signal: signal imports enum, 5 ms of a warm answer)
    import _signal
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    if out:
        sys.stdout.buffer.write(out)
        sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
    return code
