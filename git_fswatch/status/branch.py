"""HEAD, its branch and upstream, ahead/behind and the stash count.

The upstream follows branch.<name>.remote and branch.<name>.merge through the
remote's fetch refspecs to a remote-tracking ref, and is printed by its short
name.  A configuration this module does not follow exactly (no remote, a
negative or unmatched refspec, a short name that could mean another ref)
raises Unsupported rather than guess.
"""

import os

from git_fswatch.status.model import Branch, Unsupported


def _last(config, key):
    values = config.get(key)
    return values[-1] if values else None


def _map_refspec(spec, ref):
    """Apply one fetch refspec to *ref*; None when it does not match."""
    if spec.startswith("^"):
        raise Unsupported("negative fetch refspec %r" % spec)
    spec = spec.lstrip("+")
    src, sep, dst = spec.partition(":")
    if not sep or not dst:
        return None
    if "*" in src:
        if "*" not in dst:
            return None
        pre, _, post = src.partition("*")
        if ref.startswith(pre) and ref.endswith(post) and len(ref) >= len(pre) + len(post):
            middle = ref[len(pre):len(ref) - len(post)]
            dpre, _, dpost = dst.partition("*")
            return dpre + middle + dpost
        return None
    return dst if src == ref else None


def tracking_ref(config, name):
    """The ref that is *name*'s upstream, or None when none is configured."""
    merge = _last(config, "branch.%s.merge" % name)
    if not merge:
        return None
    remote = _last(config, "branch.%s.remote" % name)
    if remote is None:
        raise Unsupported("branch.%s.merge without branch.%s.remote" % (name, name))
    if remote == ".":
        return merge
    if "/" in remote or not config.get("remote.%s.fetch" % remote):
        raise Unsupported("upstream remote %r has no fetch refspec" % remote)
    for spec in config["remote.%s.fetch" % remote]:
        dst = _map_refspec(spec, merge)
        if dst is not None:
            return dst
    raise Unsupported("upstream %r is not stored as a remote-tracking branch" % merge)


def short_name(pyrepo, git_dir, ref):
    """*ref*'s short name, refusing names that another ref could claim."""
    for lead in ("refs/remotes/", "refs/heads/"):
        if ref.startswith(lead):
            short = ref[len(lead):]
            break
    else:
        raise Unsupported("upstream %r is neither a branch nor remote-tracking" % ref)
    rivals = ["refs/" + short, "refs/tags/" + short, "refs/heads/" + short,
              "refs/remotes/" + short, "refs/remotes/%s/HEAD" % short]
    for r in rivals:
        if r != ref and pyrepo.references.get(r) is not None:
            raise Unsupported("short name %r of %r is ambiguous" % (short, ref))
    if os.path.exists(os.path.join(git_dir, short)):
        raise Unsupported("short name %r of %r is ambiguous" % (short, ref))
    return short


def _peel_commit(pyrepo, ref):
    import pygit2
    obj = ref.peel(pygit2.Commit)
    return obj.id


def read_branch(pyrepo, git_dir, config, ahead_behind=True, common_dir=None):
    """Return a model.Branch for the repository's HEAD."""
    import pygit2
    head = pyrepo.references.get("HEAD")
    if head is None:
        raise Unsupported("HEAD cannot be read")
    b = Branch()
    if head.type == pygit2.enums.ReferenceType.SYMBOLIC:
        target = head.target
        if not target.startswith("refs/heads/"):
            raise Unsupported("HEAD points outside refs/heads: %r" % target)
        b.head = target[len("refs/heads/"):]
        ref = pyrepo.references.get(target)
        if ref is None:
            # Unborn ("(initial)"): an upstream, if configured, counts as
            # gone, whether or not its ref exists.
            up = tracking_ref(config, b.head)
            if up is not None:
                b.upstream = short_name(pyrepo, git_dir, up)
                b.upstream_gone = True
            return b
        oid = _peel_commit(pyrepo, ref)
    else:
        oid = head.peel(pygit2.Commit).id
    b.oid = str(oid)
    if b.head is None:
        return b
    up = tracking_ref(config, b.head)
    if up is None:
        return b
    b.upstream = short_name(pyrepo, git_dir, up)
    upref = pyrepo.references.get(up)
    if upref is None:
        b.upstream_gone = True
        return b
    try:
        up_oid = _peel_commit(pyrepo, upref)
    except (pygit2.GitError, ValueError, KeyError):
        raise Unsupported("upstream %r is not a commit" % up)
    if up_oid == oid:
        b.ahead, b.behind = 0, 0
    elif ahead_behind:
        _check_history_is_plain(common_dir or git_dir)
        b.ahead, b.behind = pyrepo.ahead_behind(oid, up_oid)
    return b


def _check_history_is_plain(common_dir):
    """Unsupported when git and libgit2 could walk history differently:
    a shallow clone, grafts or replace refs."""
    for name in ("shallow", os.path.join("info", "grafts")):
        if os.path.exists(os.path.join(common_dir, name)):
            raise Unsupported("%s: ahead/behind is git's to count" % name)
    replace = os.path.join(common_dir, "refs", "replace")
    if os.path.isdir(replace) and any(os.scandir(replace)):
        raise Unsupported("replace refs: ahead/behind is git's to count")
    try:
        with open(os.path.join(common_dir, "packed-refs"), "rb") as f:
            if b" refs/replace/" in f.read():
                raise Unsupported("replace refs: ahead/behind is git's to count")
    except FileNotFoundError:
        pass


def stash_count(common_dir):
    """How many entries refs/stash's reflog has (what `git stash list` lists)."""
    try:
        with open(os.path.join(common_dir, "logs", "refs", "stash"), "rb") as f:
            return sum(1 for line in f if line.strip())
    except FileNotFoundError:
        return 0
