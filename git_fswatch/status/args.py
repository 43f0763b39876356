"""git status's command line, and how it combines with the configuration.

parse_args() reads every option git status takes into Args, or declines
(an option we do not handle, a value git would refuse: git then speaks);
settle() combines them with the configuration the way git status does,
into what the formatters print (status/options.py's Output) and what the
engine computes (status/engine.py's Request).
"""

from git_fswatch.decline import Decline

UNTRACKED_MODES = ("no", "normal", "all")
IGNORED_MODES = ("no", "traditional", "matching")
SUBMODULE_MODES = ("none", "untracked", "dirty", "all")


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
    raise Decline("option", "rename score %r" % value)


def _untracked(value):
    if value not in UNTRACKED_MODES:
        raise Decline("option", "untracked files mode %r" % value)
    return value


def parse_args(argv):
    """Parse git status's command line into Args; Decline anything else (git
    then says what is wrong with it, in its own words and exit code)."""
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
                    raise Decline("option", "porcelain version %r" % value)
            elif name == "null" and not eq:
                a.nul = True
            elif name == "untracked-files":
                a.untracked = _untracked(value) if eq else "all"
            elif name == "ignored":
                if eq and value not in IGNORED_MODES:
                    raise Decline("option", "ignored mode %r" % value)
                a.ignored = value if eq else "traditional"
            elif name == "ignore-submodules":
                if eq and value not in SUBMODULE_MODES:
                    raise Decline("option", "ignore-submodules %r" % value)
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
                raise Decline("option", arg)
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
                raise Decline("option", arg)
    return a


def renames_from_config(config):
    """(renames, copies) from status.renames, else diff.renames."""
    for key in ("status.renames", "diff.renames"):
        if key in config:
            v = config.get(key)
            if v is not None and v.lower() in ("copies", "copy"):
                return True, True
            return config.bool(key, True), False
    return True, False


def comment_char(config):
    """core.commentChar: one byte; "auto" means '#' for git status."""
    v = config.get("core.commentchar")
    if "core.commentchar" not in config or v == "auto":
        return b"#"
    if v is None or len(v.encode("utf-8", "surrogateescape")) != 1:
        raise Decline("core.commentChar", "core.commentChar=%r" % v)  # git refuses it
    return v.encode("utf-8", "surrogateescape")


def settle(args, config):
    """Combine the command line and config the way git status does.

    Returns (format, Output fields as a dict, Request fields as a dict).
    """
    fmt = args.format
    porcelain = fmt in ("porcelain", "porcelain2")
    if args.nul:
        if fmt == "long":
            raise Decline("option", "--long with -z")  # git dies with its own message
        if fmt is None:
            fmt = "porcelain"
    deferred = not porcelain and not args.nul
    if fmt is None:
        fmt = "short" if deferred and config.bool("status.short", False) else "long"
    branch = args.branch
    if branch is None:
        branch = deferred and config.bool("status.branch", False)
    ahead_behind = args.ahead_behind
    if ahead_behind is None:
        ahead_behind = config.bool("status.aheadbehind", True) if deferred else True
    show_stash = args.show_stash
    if show_stash is None:
        show_stash = config.bool("status.showstash", False)
    # git checks status.showUntrackedFiles while it reads its config, so a
    # bad value is fatal even when -u is given: let git say so.
    configured = config.get("status.showuntrackedfiles", "normal")
    if configured not in UNTRACKED_MODES:  # git is case-sensitive here
        raise Decline("status.showUntrackedFiles", "status.showUntrackedFiles=%s"
                      % configured)
    untracked = args.untracked
    if untracked is None:
        untracked = configured
    renames, copies = renames_from_config(config)
    if args.renames is not None:
        renames = args.renames
        if not renames:
            copies = False
    if fmt == "long" and args.nul:
        raise Decline("option", "--long with -z")
    out = dict(
        relative_paths=config.bool("status.relativepaths", True),
        quote_path=config.bool("core.quotepath", True),
        nul=args.nul, branch=branch, show_stash=show_stash,
        ahead_behind=ahead_behind, untracked=untracked, ignored=args.ignored,
        hints=config.bool("advice.statushints", True),
        comment_prefix=config.bool("status.displaycommentprefix", False),
        comment_char=comment_char(config))
    req = dict(untracked=untracked, ignored=args.ignored,
               pathspecs=list(args.pathspecs), renames=renames, copies=copies,
               rename_score=args.rename_score or 50,
               ignore_submodules=args.ignore_submodules or "none")
    return fmt, out, req
