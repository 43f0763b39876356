#!/usr/bin/env python3
"""Print what changed in this worktree since this program last ran.

An example of the fswatch API: the token lives in a file of its own in the
git dir, written before the tree is looked at, and "everything" (or no
helper at all) means the caller must look at the whole tree.
"""

import os
import sys

from git_fswatch.client import api
from git_fswatch.repo import discover
from git_fswatch.repo.git import Git


def main():
    # git's answer to "which worktree is this?", for this process's
    # directory and environment
    repo = discover.discover(Git())
    state = os.path.join(repo.git_dir, "changed-since.token")
    try:
        with open(state) as f:
            token = f.read().strip() or None
    except FileNotFoundError:
        token = None

    changes = api.changed_since(repo, token)

    # Keep the new token first: the next answer covers every change made
    # after it was issued, including those made while we look at the tree.
    if changes.token is not None:
        with open(state + ".tmp", "w") as f:
            f.write(changes.token + "\n")
        os.replace(state + ".tmp", state)

    out = sys.stdout.buffer
    if changes.everything:
        out.write(b"everything: %s\n" % changes.reason.encode())
        return 0
    for path in changes.paths:
        # A path ending in "/" is a directory: look at all of it.
        out.write(path + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
