"""`git fswatch-notify enable` and `disable`: the helper, git's hook and the
untracked cache, on and off in one repository."""

HOOK_COMMAND = "git fswatch-notify hook"
SETTINGS = (
    ("core.fsmonitor", HOOK_COMMAND),
    ("core.fsmonitorHookVersion", "2"),
    ("core.untrackedCache", "true"),
)


def _git_config(git, *args):
    return git.run(("config", "--local") + args)


def enable(git):
    """Set the helper (unless one is configured), the hook and the untracked
    cache; None, or what failed."""
    current = _git_config(git, "--get", "core.fswatchHelper").stdout.strip()
    todo = list(SETTINGS)
    if not current:
        todo.insert(0, ("core.fswatchHelper", "notify"))
    for key, value in todo:
        proc = _git_config(git, key, value)
        if proc.returncode:
            return "cannot set %s: %s" % (key, proc.stderr.decode().strip())
    return None


def disable(git):
    """Unset them all; None, or what failed."""
    for key in ("core.fswatchHelper",) + tuple(k for k, _ in SETTINGS):
        proc = _git_config(git, "--unset-all", key)
        if proc.returncode not in (0, 5):     # 5: it was not set
            return "cannot unset %s: %s" % (key, proc.stderr.decode().strip())
    return None
