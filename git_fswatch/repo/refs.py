"""HEAD and refs as git itself reads them, without libgit2.

HEAD is read from its file (a symbolic "ref: <name>" or a commit id); any
other ref is asked of `git for-each-ref`, which sees packed refs, symbolic
refs and peels tags exactly as git status does.  One process answers every
question about a set of refs.
"""

import os

from git_fswatch.decline import Decline

HEX = frozenset("0123456789abcdef")


def read_head(git_dir):
    """("symref", "refs/heads/x") or ("oid", "<40 hex>") for <git_dir>/HEAD."""
    path = os.path.join(git_dir, "HEAD")
    if os.path.islink(path):
        raise Decline("head", "HEAD is a symbolic link")
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "surrogateescape").rstrip("\n")
    except OSError as e:
        raise Decline("head", "cannot read HEAD: %s" % e)
    if data.startswith("ref: "):
        return "symref", data[len("ref: "):].strip()
    if len(data) == 40 and set(data) <= HEX:
        return "oid", data
    raise Decline("head", "HEAD holds %r" % data[:60])


FIELDS = ("refname", "objectname", "objecttype", "*objectname", "*objecttype", "symref",
          "upstream", "upstream:short")


def for_each_ref(git, patterns, track=False):
    """{refname: {field: value}} for the refs matching *patterns* (git's
    for-each-ref patterns: a full name, or a prefix ending at a '/').

    With *track*, each ref also has "upstream:track" ("[ahead 1, behind 2]",
    "[gone]" or "" when equal), counted by git as git status counts it.
    """
    if not patterns:
        return {}
    fields = FIELDS + (("upstream:track",) if track else ())
    fmt = "%00".join("%%(%s)" % f for f in fields) + "%00"
    proc = git.run(["for-each-ref", "--format=" + fmt, "--"] + list(patterns))
    if proc.returncode != 0:
        raise Decline("git-failed", "git for-each-ref failed: %s"
                      % proc.stderr.decode("utf-8", "replace").strip())
    refs = {}
    for line in proc.stdout.decode("utf-8", "surrogateescape").split("\0\n"):
        if not line:
            continue
        values = line.split("\0")
        if len(values) != len(fields):
            raise Decline("git-failed", "unexpected for-each-ref line %r" % line[:80])
        ref = dict(zip(fields, values))
        refs[ref["refname"]] = ref
    return refs


def commit_of(ref):
    """The commit a for-each-ref entry names (peeling one tag), or None."""
    if ref["objecttype"] == "commit":
        return ref["objectname"]
    if ref["objecttype"] == "tag" and ref["*objecttype"] == "commit":
        return ref["*objectname"]
    return None
