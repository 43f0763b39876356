"""The bytes `git status <argv>` prints, computed by the engine.

render(repo, argv, inputs) parses the command line (args.py), reads the
configuration through *inputs*, has the engine compute the entries and a
formatter print them.  It is the whole of a status, for the command line
and for the helper's daemon alike: only *inputs* differ (status/inputs.py).
Whatever it cannot reproduce exactly raises Decline.
"""

import os

from git_fswatch.decline import Decline
from git_fswatch.status import args as status_args
from git_fswatch.status import branch as br
from git_fswatch.status import color, engine, options, wtstate
from git_fswatch.status.format_long import format_long
from git_fswatch.status.format_porcelain2 import format_porcelain2
from git_fswatch.status.format_short import format_short


def check_output_settings(config, env):
    """Decline settings that change the output in ways we do not copy."""
    for key in ("status.renamelimit", "diff.renamelimit", "pager.status"):
        if key in config:
            raise Decline(key, "%s is set" % key)
    summary = config.get("status.submodulesummary")
    if "status.submodulesummary" in config and (
            summary is None or summary.lower() not in ("false", "no", "off", "0", "")):
        raise Decline("status.submoduleSummary", "status.submoduleSummary is set")
    for key in ("column.status", "column.ui"):
        v = config.get(key)
        if key in config and (v is None or v.lower() not in ("never", "false", "no", "off",
                                                               "0", "")):
            raise Decline("columns", "%s=%s asks for columns" % (key, v))
    # git translates its messages; we print only the untranslated ones.
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    if locale and locale not in ("C", "POSIX") and not locale.startswith(("C.", "en_", "en.")):
        raise Decline("locale", "locale %s may translate git's messages" % locale)
    language = env.get("LANGUAGE", "")
    if locale not in ("", "C", "POSIX") and not locale.startswith("C.") and \
            language not in ("", "C", "en") and not language.startswith("en"):
        raise Decline("locale", "LANGUAGE=%s may translate git's messages" % language)


def prefix_of(worktree, cwd):
    """The directory *cwd* below the top of the worktree, as b"" or b"dir/sub/"."""
    rel = os.path.relpath(os.path.realpath(cwd), worktree)
    if rel == ".":
        return b""
    if rel.startswith(".."):
        raise Decline("cwd", "the current directory is outside the worktree")
    return os.fsencode(rel).replace(os.sep.encode(), b"/") + b"/"


def render(repo, argv, inputs, compute=engine.compute):
    """(the bytes git status would print for *argv* in *repo*, the Status);
    Decline.  *compute*: the engine (another stands in for it in tests of
    the formatters, computed by git itself)."""
    args = status_args.parse_args(argv)
    config = inputs.config()
    check_output_settings(config, inputs.env)
    fmt, out_fields, req_fields = status_args.settle(args, config)
    colored = fmt in ("long", "short") and color.want_color(config, inputs.isatty, inputs.env)
    if out_fields["comment_prefix"] and fmt == "long" and colored:
        raise Decline("color", "colored output with the comment prefix")
    prefix = prefix_of(repo.worktree, inputs.cwd)
    out = options.Output(prefix=prefix, **out_fields)
    if colored:
        out.color = color.palette(config)

    req = engine.Request(prefix=prefix.decode("utf-8", "surrogateescape"), **req_fields)
    status = compute(repo, req, inputs)

    git = inputs.git
    if fmt == "long" or out.branch:
        status.branch = br.read_branch(repo.git_dir, config, git, out.ahead_behind)
    if out.show_stash:
        status.stash_count = br.stash_count(repo.common_dir)
    if fmt == "long":
        state = wtstate.read_state(repo.git_dir, config, git, status.branch)
        return format_long(status, out, state), status
    if fmt == "porcelain2":
        return format_porcelain2(status, out), status
    return format_short(status, out, porcelain=(fmt == "porcelain")), status
