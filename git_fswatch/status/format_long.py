"""`git status` in its long, human form.

Sections, in git's order: the branch line, the upstream's tracking message,
the operation in progress (wtstate), "No commits yet", changes to be
committed, unmerged paths, changes not staged, untracked, ignored, then one
summary line and the stash count.  Every line except the summary may carry
git's comment prefix (status.displayCommentPrefix, core.commentChar).  What
this module does not reproduce exactly (submodule entries; wtstate declines
a rebase or a sequence of picks) declines, and the command hands
the request to the real git.
"""

from git_fswatch.decline import Decline
from git_fswatch.status.quote import PathFormatter

STAGED = {"M": "modified:", "A": "new file:", "D": "deleted:", "R": "renamed:",
          "C": "copied:", "T": "typechange:"}
UNSTAGED = {"M": "modified:", "D": "deleted:", "T": "typechange:", "A": "new file:"}
UNMERGED = {"DD": "both deleted:", "AU": "added by us:", "UD": "deleted by them:",
            "UA": "added by them:", "DU": "deleted by us:", "AA": "both added:",
            "UU": "both modified:"}
# git pads every label to the widest label of its kind, plus one space.
CHANGE_WIDTH = 12
UNMERGED_WIDTH = 17


class _Writer:
    def __init__(self, out):
        self.out = out
        self.palette = out.color
        self.lines = []

    def paint(self, slot, text):
        if self.palette is None or not text:
            return text
        return self.palette.paint(slot, text)

    def ln(self, text=b"", slot="header"):
        """A status line: prefixed with the comment char under
        status.displayCommentPrefix."""
        if self.out.comment_prefix:
            text = self.out.comment_char + (b" " + text if text and not text.startswith(b"\t") else text)
        self.lines.append(self.paint(slot, text) + b"\n")

    def entry(self, slot, text):
        lead = self.out.comment_char + b"\t" if self.out.comment_prefix else b"\t"
        self.lines.append(self.paint("header", lead) + self.paint(slot, text) + b"\n")

    def plain(self, text):
        self.lines.append(text + b"\n")

    def data(self):
        return b"".join(self.lines)


def _plural(n, one, many):
    return one if n == 1 else many


def tracking_lines(branch, hints):
    """The messages about the upstream, or [] when there is none to give."""
    b = branch
    if not b.head or not b.upstream or b.oid is None:
        return []
    up = b.upstream.encode("utf-8", "surrogateescape")
    if b.upstream_gone:
        lines = [b"Your branch is based on '%s', but the upstream is gone." % up]
        if hints:
            lines.append(b'  (use "git branch --unset-upstream" to fixup)')
        return lines
    if b.ahead is None or b.behind is None:
        lines = [b"Your branch and '%s' refer to different commits." % up]
        if hints:
            lines.append(b'  (use "git status --ahead-behind" for details)')
        return lines
    if not b.ahead and not b.behind:
        return [b"Your branch is up to date with '%s'." % up]
    if not b.behind:
        lines = [b"Your branch is ahead of '%s' by %d %s." % (
            up, b.ahead, _plural(b.ahead, b"commit", b"commits"))]
        if hints:
            lines.append(b'  (use "git push" to publish your local commits)')
        return lines
    if not b.ahead:
        lines = [b"Your branch is behind '%s' by %d %s, and can be fast-forwarded." % (
            up, b.behind, _plural(b.behind, b"commit", b"commits"))]
        if hints:
            lines.append(b'  (use "git pull" to update your local branch)')
        return lines
    lines = [b"Your branch and '%s' have diverged," % up,
             b"and have %d and %d different commits each, respectively." % (b.ahead, b.behind)]
    if hints:
        lines.append(b'  (use "git pull" to merge the remote branch into yours)')
    return lines


def _unmerged_hint(unmerged):
    both_deleted = del_mod = not_deleted = False
    for u in unmerged:
        if u.xy == "DD":
            both_deleted = True
        elif u.xy in ("UD", "DU"):
            del_mod = True
        else:
            not_deleted = True
    if not both_deleted:
        if not del_mod:
            return b'  (use "git add <file>..." to mark resolution)'
        return b'  (use "git add/rm <file>..." as appropriate to mark resolution)'
    if not del_mod and not not_deleted:
        return b'  (use "git rm <file>..." to mark resolution)'
    return b'  (use "git add/rm <file>..." as appropriate to mark resolution)'


def format_long(status, out, state):
    """Return the bytes of the long format.

    *state*: a wtstate.State (the operation in progress and how to name a
    detached HEAD).
    """
    for e in list(status.changes) + list(status.unmerged):
        if e.submodule != "N...":
            raise Decline("submodule", "submodule entries in the long format")
    w = _Writer(out)
    hints = out.hints
    fmt = PathFormatter(out.path_prefix(), out.quote_path, False, False)
    b = status.branch
    is_initial = b.oid is None

    # The branch line.
    lead = out.comment_char + b" " if out.comment_prefix else b""
    if b.head is not None:
        w.lines.append(w.paint("header", lead + b"On branch ") +
                       w.paint("branch", b.head.encode("utf-8", "surrogateescape")) + b"\n")
    else:
        if state.detached_name is None:
            on_what, name = b"Not currently on any branch.", b""
        else:
            on_what = b"HEAD detached at " if state.detached_at else b"HEAD detached from "
            name = state.detached_name
        w.lines.append(w.paint("header", lead) + w.paint("nobranch", on_what) + w.paint("branch", name) + b"\n")
    if not is_initial:
        tracking = tracking_lines(b, hints)
        if tracking:
            for line in tracking:
                w.ln(line)
            w.ln()
    for line in state.lines(status, hints):
        w.ln(line)
    if is_initial:
        w.ln()
        w.ln(b"No commits yet")
        w.ln()

    from_commit = state.from_commit
    staged = [c for c in status.changes if c.x != "."]
    changed = [c for c in status.changes if c.y != "."]
    unmerged = sorted(status.unmerged, key=lambda u: u.path)

    if staged:
        w.ln(b"Changes to be committed:")
        if hints and from_commit:
            w.ln(b'  (use "git rm --cached <file>..." to unstage)' if is_initial else
                 b'  (use "git restore --staged <file>..." to unstage)')
        for c in sorted(staged, key=lambda c: c.path):
            label = STAGED.get(c.x)
            if label is None:
                raise Decline("status-letter", "staged status %r" % c.x)
            if c.x in "RC" and c.orig_path is not None:
                what = fmt(c.orig_path) + b" -> " + fmt(c.path)
            else:
                what = fmt(c.path)
            w.entry("updated", label.encode().ljust(CHANGE_WIDTH) + what)
        w.ln()

    if unmerged:
        w.ln(b"Unmerged paths:")
        if hints:
            if from_commit:
                w.ln(b'  (use "git rm --cached <file>..." to unstage)' if is_initial else
                     b'  (use "git restore --staged <file>..." to unstage)')
            w.ln(_unmerged_hint(unmerged))
        for u in unmerged:
            w.entry("unmerged", UNMERGED[u.xy].encode().ljust(UNMERGED_WIDTH) + fmt(u.path))
        w.ln()

    if changed:
        w.ln(b"Changes not staged for commit:")
        if hints:
            if any(c.y == "D" for c in changed):
                w.ln(b'  (use "git add/rm <file>..." to update what will be committed)')
            else:
                w.ln(b'  (use "git add <file>..." to update what will be committed)')
            w.ln(b'  (use "git restore <file>..." to discard changes in working directory)')
        for c in sorted(changed, key=lambda c: c.path):
            label = UNSTAGED.get(c.y)
            if label is None:
                raise Decline("status-letter", "unstaged status %r" % c.y)
            w.entry("changed", label.encode().ljust(CHANGE_WIDTH) + fmt(c.path))
        w.ln()

    show_untracked = out.untracked != "no"
    if show_untracked:
        if status.untracked:
            w.ln(b"Untracked files:")
            if hints:
                w.ln(b'  (use "git add <file>..." to include in what will be committed)')
            for p in status.untracked:
                w.entry("untracked", fmt(p))
            w.ln()
        if out.ignored != "no" and status.ignored:
            w.ln(b"Ignored files:")
            if hints:
                w.ln(b'  (use "git add -f <file>..." to include in what will be committed)')
            for p in status.ignored:
                w.entry("ignored", fmt(p))
            w.ln()
    # A merge with every conflict resolved can be committed even when it
    # stages nothing new.
    committable = bool(staged) or (state.in_merge and not unmerged)
    if not show_untracked and committable:
        w.ln(b"Untracked files not listed" +
             (b" (use -u option to show untracked files)" if hints else b""))

    if committable:
        pass
    elif changed or unmerged:
        w.plain(b'no changes added to commit (use "git add" and/or "git commit -a")'
                if hints else b"no changes added to commit")
    elif show_untracked and status.untracked:
        w.plain(b'nothing added to commit but untracked files present (use "git add" to track)'
                if hints else b"nothing added to commit but untracked files present")
    elif is_initial:
        w.plain(b'nothing to commit (create/copy files and use "git add" to track)'
                if hints else b"nothing to commit")
    elif not show_untracked:
        w.plain(b"nothing to commit (use -u to show untracked files)"
                if hints else b"nothing to commit")
    else:
        w.plain(b"nothing to commit, working tree clean")

    if out.show_stash and status.stash_count:
        n = status.stash_count
        w.ln(b"Your stash currently has %d %s" % (n, _plural(n, b"entry", b"entries")))
    return w.data()
