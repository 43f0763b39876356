"""What the worktree is in the middle of, as the long format tells it.

A merge, am, a single cherry-pick or revert and a bisect are reproduced.  A
rebase, a sequence of picks (the sequencer directory) or a sparse
checkout change the long format in ways we do not reproduce: they
decline, and the real git status speaks.  A detached HEAD is named
as git names it: the target of the last "checkout: moving from A to B" in
HEAD's reflog, "at" while HEAD is still there, "from" once it moved on.
"""

import os
from dataclasses import dataclass
from typing import Optional

from git_fswatch.decline import Decline
from git_fswatch.repo import refs

CHECKOUT = b"checkout: moving from "


@dataclass
class State:
    operation: Optional[str] = None     # "merge", "am", "cherry-pick" or "revert"
    empty_patch: bool = False           # am stopped at an empty patch
    commit: Optional[bytes] = None      # the commit picked or reverted, abbreviated
    bisecting: bool = False
    bisect_from: Optional[bytes] = None  # the branch (or commit) bisect started from
    detached_name: Optional[bytes] = None
    detached_at: bool = False

    @property
    def in_merge(self):
        return self.operation == "merge"

    @property
    def from_commit(self):
        """False while a merge or cherry-pick is being concluded: git then
        leaves out the "to unstage" hints."""
        return self.operation not in ("merge", "cherry-pick")

    def lines(self, status, hints):
        """The in-progress blocks, each ending with its blank line, or []."""
        lines = []
        conflicts = bool(status.unmerged)
        if self.operation == "merge":
            if conflicts:
                lines.append(b"You have unmerged paths.")
                if hints:
                    lines += [b'  (fix conflicts and run "git commit")',
                              b'  (use "git merge --abort" to abort the merge)']
            else:
                lines.append(b"All conflicts fixed but you are still merging.")
                if hints:
                    lines.append(b'  (use "git commit" to conclude merge)')
            lines.append(b"")
        elif self.operation == "am":
            lines.append(b"You are in the middle of an am session.")
            if self.empty_patch:
                lines.append(b"The current patch is empty.")
            if hints:
                if not self.empty_patch:
                    lines.append(b'  (fix conflicts and then run "git am --continue")')
                lines.append(b'  (use "git am --skip" to skip this patch)')
                if self.empty_patch:
                    lines.append(b'  (use "git am --allow-empty" to record this patch'
                                 b' as an empty commit)')
                lines.append(b'  (use "git am --abort" to restore the original branch)')
            lines.append(b"")
        elif self.operation in ("cherry-pick", "revert"):
            op = self.operation.encode()
            verb = b"cherry-picking" if op == b"cherry-pick" else b"reverting"
            lines.append(b"You are currently %s commit %s." % (verb, self.commit))
            if hints:
                if conflicts:
                    lines.append(b'  (fix conflicts and run "git %s --continue")' % op)
                else:
                    lines.append(b'  (all conflicts fixed: run "git %s --continue")' % op)
                lines += [b'  (use "git %s --skip" to skip this patch)' % op,
                          b'  (use "git %s --abort" to cancel the %s operation)' % (op, op)]
            lines.append(b"")
        if self.bisecting:
            if self.bisect_from:
                lines.append(b"You are currently bisecting, started from branch '%s'."
                             % self.bisect_from)
            else:
                lines.append(b"You are currently bisecting.")
            if hints:
                lines.append(b'  (use "git bisect reset" to get back to the original branch)')
            lines.append(b"")
        return lines


def _exists(git_dir, name):
    return os.path.lexists(os.path.join(git_dir, name))


def in_progress(git_dir, config):
    """The operation in progress ("merge", "cherry-pick", "revert" or None);
    Decline for those we leave to git."""
    for name, what in (("rebase-merge", "a rebase"), ("sequencer", "a sequencer operation")):
        if _exists(git_dir, name):
            raise Decline("operation", "%s is in progress" % what)
    if _exists(git_dir, "rebase-apply") and not _exists(git_dir, "rebase-apply/applying"):
        raise Decline("operation", "a rebase is in progress")
    if config.bool("core.sparsecheckout", False):
        raise Decline("sparse-checkout", "core.sparseCheckout is true")
    found = [op for name, op in (("rebase-apply", "am"), ("MERGE_HEAD", "merge"),
                                 ("CHERRY_PICK_HEAD", "cherry-pick"),
                                 ("REVERT_HEAD", "revert")) if _exists(git_dir, name)]
    if len(found) > 1:
        raise Decline("operation", "more than one operation in progress: %s"
                      % ", ".join(found))
    return found[0] if found else None


def bisect_start(git_dir, git):
    """(bisecting, what BISECT_START names), as git words it."""
    if not _exists(git_dir, "BISECT_LOG"):
        return False, None
    try:
        with open(os.path.join(git_dir, "BISECT_START"), "rb") as f:
            start = f.read().rstrip(b"\n")
    except FileNotFoundError:
        return True, None
    if not start or start == b"detached HEAD":
        return True, None
    if start.startswith(b"refs/heads/"):
        return True, start[len(b"refs/heads/"):]
    if start.startswith(b"refs/"):
        return True, start
    if len(start) == 40 and all(c in b"0123456789abcdef" for c in start):
        return True, _abbrev(git, start.decode())
    return True, start


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


def _abbrev(git, oid):
    proc = git.run(["rev-parse", "--short", oid])
    if proc.returncode != 0:
        raise Decline("abbrev", "cannot abbreviate %s" % oid)
    return proc.stdout.strip()


def detached_name(git_dir, git, head_oid):
    """(name, at) for a detached HEAD, or (None, False): "Not currently on any branch."""
    found = last_checkout(git_dir)
    if found is None:
        return None, False
    target, noid = found
    at = head_oid == noid
    if target == b"HEAD":
        return _abbrev(git, noid), at
    try:
        name = target.decode("utf-8")
    except UnicodeDecodeError:
        raise Decline("detached-head", "checkout target is not UTF-8")
    if not name or any(c in name for c in " ~^:?*[\\") or ".." in name or \
            name.startswith(("-", "/")) or name.endswith(("/", ".", ".lock")) or "@{" in name:
        return _abbrev(git, noid), at   # not a ref name: a revision such as main~1
    # The ref the name stands for, by git's rules: the name itself (a full
    # ref name), then under refs/, refs/tags/, refs/heads/, refs/remotes/.
    candidates = ["refs/" + name, "refs/tags/" + name, "refs/heads/" + name,
                  "refs/remotes/" + name, "refs/remotes/%s/HEAD" % name]
    if name.startswith("refs/"):
        candidates.insert(0, name)
    elif os.path.lexists(os.path.join(git_dir, name)):
        raise Decline("detached-head", "checkout target %r may name a ref at the top"
                      % name)
    found = refs.for_each_ref(git, candidates)
    matches = [found[c] for c in candidates if c in found]
    if len(matches) > 1:
        raise Decline("detached-head", "checkout target %r is ambiguous" % name)
    if len(matches) == 1:
        ref = matches[0]
        if ref["symref"]:
            raise Decline("detached-head", "checkout target %r is a symbolic ref" % name)
        if refs.commit_of(ref) == noid:
            # git shortens tags and remote-tracking branches only: a branch
            # checked out with --detach is "refs/heads/<name>".
            full = ref["refname"]
            for lead in ("refs/tags/", "refs/remotes/"):
                if full.startswith(lead):
                    full = full[len(lead):]
                    break
            return full.encode("utf-8"), at
    return _abbrev(git, noid), at


def read_state(git_dir, config, git, branch):
    """The State for the long format (branch: the model.Branch already read)."""
    st = State(operation=in_progress(git_dir, config))
    if st.operation == "cherry-pick":
        st.commit = _abbrev(git, "CHERRY_PICK_HEAD")
    elif st.operation == "revert":
        st.commit = _abbrev(git, "REVERT_HEAD")
    elif st.operation == "am":
        try:
            st.empty_patch = os.stat(os.path.join(git_dir, "rebase-apply", "patch")).st_size == 0
        except FileNotFoundError:
            pass
    st.bisecting, st.bisect_from = bisect_start(git_dir, git)
    if branch.head is None and branch.oid is not None:
        st.detached_name, st.detached_at = detached_name(git_dir, git, branch.oid)
    return st
