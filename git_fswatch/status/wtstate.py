"""What the worktree is in the middle of, as the long format tells it.

A merge is reproduced ("You have unmerged paths." / "All conflicts fixed but
you are still merging.").  A rebase, am, cherry-pick, revert, bisect or a
sparse checkout changes the long format in ways we do not reproduce: they
raise Unsupported, and the real git status speaks.  A detached HEAD is named
as git names it: the target of the last "checkout: moving from A to B" in
HEAD's reflog, "at" while HEAD is still there, "from" once it moved on.
"""

import os
import subprocess
from dataclasses import dataclass
from typing import Optional

from git_fswatch.status.model import Unsupported

CHECKOUT = b"checkout: moving from "


@dataclass
class State:
    in_merge: bool = False
    detached_name: Optional[bytes] = None
    detached_at: bool = False

    def lines(self, status, hints):
        """The in-progress block (ending with its blank line), or []."""
        if not self.in_merge:
            return []
        if status.unmerged:
            lines = [b"You have unmerged paths."]
            if hints:
                lines += [b'  (fix conflicts and run "git commit")',
                          b'  (use "git merge --abort" to abort the merge)']
        else:
            lines = [b"All conflicts fixed but you are still merging."]
            if hints:
                lines.append(b'  (use "git commit" to conclude merge)')
        return lines + [b""]


def _exists(git_dir, name):
    return os.path.lexists(os.path.join(git_dir, name))


def in_progress(git_dir, config):
    """Raise Unsupported for the states we leave to git; True in a merge."""
    for name, what in (("rebase-merge", "a rebase"), ("rebase-apply", "a rebase or am"),
                       ("CHERRY_PICK_HEAD", "a cherry-pick"), ("REVERT_HEAD", "a revert"),
                       ("BISECT_LOG", "a bisect"), ("sequencer", "a sequencer operation")):
        if _exists(git_dir, name):
            raise Unsupported("%s is in progress" % what)
    if (config.get("core.sparsecheckout") or [""])[-1].lower() in ("true", "yes", "on", "1"):
        raise Unsupported("sparse checkout")
    return _exists(git_dir, "MERGE_HEAD")


def last_checkout(git_dir):
    """(target, new_oid) of the last checkout in HEAD's reflog, or None."""
    try:
        with open(os.path.join(git_dir, "logs", "HEAD"), "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        head, tab, msg = line.partition(b"\t")
        if not tab or not msg.startswith(CHECKOUT):
            continue
        rest = msg[len(CHECKOUT):]
        i = rest.find(b" to ")
        if i < 0:
            continue
        fields = head.split(b" ")
        if len(fields) < 2:
            continue
        return rest[i + 4:], fields[1].decode()
    return None


def _abbrev(oid):
    proc = subprocess.run(["git", "rev-parse", "--short", oid],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise Unsupported("cannot abbreviate %s" % oid)
    return proc.stdout.strip()


def detached_name(pyrepo, git_dir, head_oid):
    """(name, at) for a detached HEAD, or (None, False): "Not currently on any branch."""
    import pygit2
    found = last_checkout(git_dir)
    if found is None:
        return None, False
    target, noid = found
    at = head_oid == noid
    if target == b"HEAD":
        return _abbrev(noid), at
    try:
        name = target.decode("utf-8")
    except UnicodeDecodeError:
        raise Unsupported("checkout target is not UTF-8")
    # The ref the name stands for, by git's rules: the name itself (a full
    # ref name), then under refs/, refs/tags/, refs/heads/, refs/remotes/.
    matches = []
    candidates = ["refs/" + name, "refs/tags/" + name, "refs/heads/" + name,
                  "refs/remotes/" + name, "refs/remotes/%s/HEAD" % name]
    if name.startswith("refs/"):
        candidates.insert(0, name)
    elif os.path.lexists(os.path.join(git_dir, name)):
        raise Unsupported("checkout target %r may name a ref at the top" % name)
    for full in candidates:
        try:
            ref = pyrepo.references.get(full)
        except (ValueError, pygit2.GitError):
            ref = None
        if ref is not None:
            matches.append(ref)
    if len(matches) > 1:
        raise Unsupported("checkout target %r is ambiguous" % name)
    if len(matches) == 1:
        ref = matches[0]
        if ref.type == pygit2.enums.ReferenceType.SYMBOLIC:
            raise Unsupported("checkout target %r is a symbolic ref" % name)
        try:
            commit = str(ref.peel(pygit2.Commit).id)
        except (pygit2.GitError, ValueError, KeyError):
            commit = None
        if commit == noid:
            # git shortens tags and remote-tracking branches only: a branch
            # checked out with --detach is "refs/heads/<name>".
            full = ref.name
            for lead in ("refs/tags/", "refs/remotes/"):
                if full.startswith(lead):
                    full = full[len(lead):]
                    break
            return full.encode("utf-8"), at
    return _abbrev(noid), at


def read_state(pyrepo, git_dir, config, branch):
    """The State for the long format (branch: the model.Branch already read)."""
    st = State(in_merge=in_progress(git_dir, config))
    if branch.head is None and branch.oid is not None:
        st.detached_name, st.detached_at = detached_name(pyrepo, git_dir, branch.oid)
    return st
