"""HEAD, its branch and upstream, ahead/behind and the stash count.

The upstream follows branch.<name>.remote and branch.<name>.merge through the
remote's fetch refspecs to a remote-tracking ref (git must agree), and is
printed by its short name; git itself counts ahead and behind.  No libgit2:
importing it would cost more than the rest of a warm status.  A configuration this module does not follow exactly (no remote, a
negative or unmatched refspec, a short name that could mean another ref)
declines rather than guess.
"""

import os

from git_fswatch.repo import refs
from git_fswatch.decline import Decline
from git_fswatch.status.model import Branch


def _map_refspec(spec, ref):
    """Apply one fetch refspec to *ref*; None when it does not match."""
    if spec.startswith("^"):
        raise Decline("upstream", "negative fetch refspec %r" % spec)
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
    merges = config.get_all("branch.%s.merge" % name)
    merge = merges[0] if merges else None   # git's upstream is the first one
    if not merge:
        return None
    remote = config.get("branch.%s.remote" % name)
    if remote is None:
        raise Decline("upstream", "branch.%s.merge without branch.%s.remote"
                      % (name, name))
    if remote == ".":
        return merge
    if "/" in remote or not config.get_all("remote.%s.fetch" % remote):
        raise Decline("upstream", "upstream remote %r has no fetch refspec" % remote)
    for spec in config.get_all("remote.%s.fetch" % remote):
        dst = _map_refspec(spec, merge)
        if dst is not None:
            return dst
    raise Decline("upstream", "upstream %r is not stored as a remote-tracking branch"
                  % merge)


def _short(ref):
    for lead in ("refs/remotes/", "refs/heads/"):
        if ref.startswith(lead):
            return ref[len(lead):]
    raise Decline("upstream", "upstream %r is neither a branch nor remote-tracking" % ref)


def _rivals(short):
    """The refs that git would also read *short* as."""
    return ["refs/" + short, "refs/tags/" + short, "refs/heads/" + short,
            "refs/remotes/" + short, "refs/remotes/%s/HEAD" % short]


def _parse_track(track):
    """(ahead, behind) from for-each-ref's %(upstream:track); None for gone."""
    if track == "":
        return 0, 0
    if track == "[gone]":
        return None
    ahead = behind = 0
    if not (track.startswith("[") and track.endswith("]")):
        raise Decline("upstream", "upstream track %r" % track)
    for part in track[1:-1].split(", "):
        word, _, n = part.partition(" ")
        if word == "ahead" and n.isdigit():
            ahead = int(n)
        elif word == "behind" and n.isdigit():
            behind = int(n)
        else:
            raise Decline("upstream", "upstream track %r" % track)
    return ahead, behind


def read_branch(git_dir, config, git, ahead_behind=True):
    """Return a model.Branch for the worktree's HEAD.

    One `git for-each-ref` reads the branch, its upstream (counting ahead and
    behind as git status counts them) and the refs that could make the
    upstream's short name ambiguous.
    """
    kind, value = refs.read_head(git_dir)
    b = Branch()
    if kind == "oid":
        b.oid = value   # detached
        return b
    if not value.startswith("refs/heads/"):
        raise Decline("head", "HEAD points outside refs/heads: %r" % value)
    b.head = value[len("refs/heads/"):]
    up = tracking_ref(config, b.head)
    patterns = [value]
    if up is not None:
        short = _short(up)
        patterns += [up] + _rivals(short)
    found = refs.for_each_ref(git, patterns, track=bool(up) and ahead_behind)
    if up is not None:
        for r in _rivals(short):
            if r != up and r in found:
                raise Decline("upstream", "short name %r of %r is ambiguous" % (short, up))
        if os.path.lexists(os.path.join(git_dir, short)):
            raise Decline("upstream", "short name %r of %r is ambiguous" % (short, up))
    entry = found.get(value)
    if entry is None:
        # Unborn ("(initial)"): an upstream, if configured, counts as gone,
        # whether or not its ref exists.
        if up is not None:
            b.upstream, b.upstream_gone = short, True
        return b
    if entry["symref"]:
        # git names the branch at the end of the chain; leave that to it.
        raise Decline("head", "%s is a symbolic ref" % value)
    b.oid = refs.commit_of(entry)
    if b.oid is None:
        raise Decline("head", "%s is not a commit" % value)
    if entry["upstream"] != (up or ""):
        raise Decline("upstream", "git reads the upstream of %s as %r, not %r"
                          % (b.head, entry["upstream"], up))
    if up is None:
        return b
    if entry["upstream:short"] != short:
        raise Decline("upstream", "git shortens %r to %r, not %r"
                      % (up, entry["upstream:short"], short))
    b.upstream = short
    upref = found.get(up)
    if upref is None:
        b.upstream_gone = True
        return b
    up_oid = refs.commit_of(upref)
    if up_oid is None:
        raise Decline("upstream", "upstream %r is not a commit" % up)
    if up_oid == b.oid:
        b.ahead, b.behind = 0, 0
    elif ahead_behind:
        counts = _parse_track(entry["upstream:track"])
        if counts is None:
            raise Decline("upstream", "git counts %r as gone" % up)
        b.ahead, b.behind = counts
    return b


def stash_count(common_dir):
    """How many entries refs/stash's reflog has (what `git stash list` lists)."""
    try:
        with open(os.path.join(common_dir, "logs", "refs", "stash"), "rb") as f:
            return sum(1 for line in f if line.strip())
    except FileNotFoundError:
        return 0
