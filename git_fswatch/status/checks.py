"""What the engine declines, known before any scan starts.

Each check raises Decline (with the setting, path or variable in its code
and detail) for configuration, attributes, ignore rules or an environment
under which the engine's answer could differ from git's.  compute() runs
them before it reads the worktree, so that handing a request to git costs
nothing but start-up; the walk calls the per-directory ones
(check_tree_attributes, IgnoreRulesCheck) as it meets .gitattributes and
.gitignore files.
"""

import os

from git_fswatch.decline import Decline
from git_fswatch.repo import envvars


# -- configuration -----------------------------------------------------------
def check_config(cfg):
    """Decline configuration that changes what status compares."""
    autocrlf = cfg.get("core.autocrlf", "false")
    if autocrlf is None or autocrlf.lower() not in ("false", "no", "off", "0", ""):
        raise Decline("core.autocrlf", "core.autocrlf=%s" % autocrlf)
    eol = cfg.get("core.eol", "native")
    if eol is None or eol.lower() not in ("native", "lf"):
        raise Decline("core.eol", "core.eol=%s" % eol)
    if not cfg.bool("core.filemode", True):
        raise Decline("core.fileMode", "core.fileMode is false")
    if not cfg.bool("core.symlinks", True):
        raise Decline("core.symlinks", "core.symlinks is false")
    # git then trusts stat data that leave out the ctime (and with
    # checkStat=minimal the inode, owner and nanoseconds): a file rewritten
    # with its size and mtime kept is clean to git, modified to us
    if not cfg.bool("core.trustctime", True):
        raise Decline("core.trustCtime", "core.trustCtime is false")
    if cfg.get("core.checkstat", "default") != "default":
        raise Decline("core.checkStat", "core.checkStat=%s" % cfg.get("core.checkstat"))
    if cfg.bool("core.ignorecase", False):
        raise Decline("core.ignoreCase", "core.ignoreCase is true")
    if cfg.bool("core.precomposeunicode", False):
        raise Decline("core.precomposeUnicode", "core.precomposeUnicode is true")
    if "core.attributesfile" in cfg:
        raise Decline("core.attributesFile", "core.attributesFile is set")
    if cfg.get("extensions.objectformat", "sha1") != "sha1":
        raise Decline("object-format", "object format %s"
                      % cfg.get("extensions.objectformat"))
    if cfg.bool("core.sparsecheckout", False):
        raise Decline("sparse-checkout", "core.sparseCheckout is true")


# -- attributes ----------------------------------------------------------------
_CONTENT_ATTRS = (b"text", b"eol", b"filter", b"ident", b"working-tree-encoding",
                  b"crlf", b"binary")


def check_attributes(path):
    """Decline if the attributes file at *path* can change contents."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return
    for word in _CONTENT_ATTRS:
        if word in data:
            raise Decline("content-attributes", "attributes that change contents in %s"
                          % os.fsdecode(path))


def check_tree_attributes(path):
    """check_attributes() for a .gitattributes file of the worktree."""
    if os.path.islink(path):
        # git (2.32 and later) does not follow it, and warns on standard
        # error whenever it reads attributes there, which depends on what
        # it happens to hash
        raise Decline("symlinked-gitattributes", os.fsdecode(path))
    check_attributes(path)


def user_attributes(env):
    """The user's attributes file ($XDG_CONFIG_HOME/git/attributes), with
    core.attributesFile unset (check_config declines it set)."""
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", ""), ".config")
    return os.path.join(xdg, "git", "attributes")


def system_attributes(env):
    """The system's attributes files git reads under environment *env*
    (etc/gitattributes in git's prefix: /etc for a git in /usr, else
    /usr/local/etc; none with GIT_ATTR_NOSYSTEM); the warm host watches
    the same."""
    if env.get("GIT_ATTR_NOSYSTEM", "").lower() in ("1", "true", "yes", "on"):
        return []
    return ["/etc/gitattributes", "/usr/local/etc/gitattributes"]


def check_global_attributes(common_dir, env):
    """Decline attributes outside the worktree that change contents."""
    check_attributes(os.path.join(common_dir, "info", "attributes"))
    for path in [user_attributes(env)] + system_attributes(env):
        check_attributes(path)


# -- ignore rules --------------------------------------------------------------
def expand_user(path, env):
    """"~/x" and "~user/x" as git's expand_user_path() reads them, with the
    HOME of *env*."""
    if not path.startswith("~"):
        return path
    user, slash, rest = path[1:].partition("/")
    if not user:
        home = env.get("HOME")
    else:
        import pwd
        try:
            home = pwd.getpwnam(user).pw_dir
        except KeyError:
            home = None
    if not home:
        return path
    return os.path.join(home, rest) if slash else home


def excludes_file(cfg, worktree, env):
    """The core.excludesFile git reads (default $XDG_CONFIG_HOME/git/ignore)."""
    value = cfg.get("core.excludesfile")
    if "core.excludesfile" in cfg and value:
        # a relative path is read from the top of the worktree, where git
        # runs, whatever directory the status was asked from
        return os.path.join(worktree, expand_user(value, env))
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME", ""), ".config")
    return os.path.join(xdg, "git", "ignore")


def _pattern_lines(path):
    """The pattern lines of an ignore file (no blank lines, no comments)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (OSError, ValueError):
        return []
    return [line for line in data.split(b"\n")
            if line.strip() and not line.startswith(b"#")]


class IgnoreRulesCheck:
    """Declines the ignore rules libgit2 got wrong.

    libgit2 (1.9) lets a negated pattern ("!x") override only patterns of
    its own file: a "!keep.o" in d/.gitignore does not re-include what "*.o"
    in the top .gitignore, info/exclude or core.excludesFile excludes, while
    git re-includes it.  So a negation is accepted only in the top .gitignore,
    and there only when info/exclude and core.excludesFile have no pattern
    for it to override; a negation in info/exclude only when
    core.excludesFile has none.  Called for every .gitignore the walk meets.

    The ignore rules are now asked of git itself (status/ignore.py), which
    decides these cases as git status does; the declines stay until they are
    lifted together with the tests and the documentation that describe them.
    """

    def __init__(self, info_exclude, excludes):
        self.low_top = bool(_pattern_lines(info_exclude) or
                            (excludes and _pattern_lines(excludes)))
        if excludes and _pattern_lines(excludes) and \
                any(line.startswith(b"!") for line in _pattern_lines(info_exclude)):
            raise Decline("negated-pattern",
                          "a negated pattern in info/exclude over core.excludesFile")

    def __call__(self, d, path):
        if os.path.islink(path):
            # git (2.32 and later) does not follow a symlinked .gitignore;
            # libgit2 may
            raise Decline("symlinked-gitignore", "a symlinked .gitignore in %s"
                          % (os.fsdecode(d) or "the top"))
        if not any(line.startswith(b"!") for line in _pattern_lines(path)):
            return
        if d or self.low_top:
            raise Decline("negated-pattern", "a negated pattern in %s/.gitignore"
                          % (os.fsdecode(d) or "the top"))


# -- the environment ---------------------------------------------------------
def check_environment(worktree, env, cwd):
    """Decline an environment that would have the engine read another index,
    or its git commands another repository, than git status reads."""
    if "GIT_INDEX_FILE" in env:
        # git status compares that index; the engine reads <git-dir>/index
        raise Decline("GIT_INDEX_FILE", "GIT_INDEX_FILE is set")
    relative = [name for name in envvars.PATHS
                if any(part and not os.path.isabs(part)
                       for part in env.get(name, "").split(os.pathsep))]
    if relative and os.path.realpath(cwd) != os.path.realpath(worktree):
        # relative to the user's directory, not to the worktree the
        # engine's git commands run in
        raise Decline("relative-git-path", "relative %s below the top of the worktree"
                      % relative[0])
