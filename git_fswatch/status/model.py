"""What a status is, independent of how it was computed or will be printed.

The fields carry everything `git status --porcelain=v2 --branch --show-stash`
can say, so that every output format can be produced from one Status.  Paths
are bytes, relative to the top of the worktree, '/'-separated, exactly as in
the index (no quoting; the formatters quote).
"""

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

ZERO_OID = "0" * 40


@dataclass
class Change:
    """A tracked path that differs somewhere (porcelain v2 "1" and "2" lines).

    x: the index side against HEAD: '.', 'M', 'T', 'A', 'D', 'R', 'C'.
    y: the worktree side against the index: '.', 'M', 'T', 'D' (and 'A' for
       an intent-to-add entry that exists in the worktree).
    submodule: "N..." for an ordinary path, else "S<c><m><u>".
    orig_path and score are set for a rename or copy (x 'R' or 'C').
    """
    path: bytes
    x: str
    y: str
    submodule: str = "N..."
    mode_head: int = 0
    mode_index: int = 0
    mode_worktree: int = 0
    oid_head: str = ZERO_OID
    oid_index: str = ZERO_OID
    orig_path: Optional[bytes] = None
    score: int = 0


@dataclass
class Unmerged:
    """A path with conflict stages (porcelain v2 "u" lines).

    xy: the two-letter code git prints: 'DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU'.
    modes and oids: stages 1, 2, 3 (0 and ZERO_OID for a missing stage),
    mode_worktree: the worktree's mode (0 when absent).
    """
    path: bytes
    xy: str
    submodule: str = "N..."
    modes: Tuple[int, int, int] = (0, 0, 0)
    mode_worktree: int = 0
    oids: Tuple[str, str, str] = (ZERO_OID, ZERO_OID, ZERO_OID)


@dataclass
class Branch:
    """The "# branch.*" headers.

    oid: HEAD's commit, or None before the first commit ("(initial)").
    head: the branch name (without refs/heads/), or None when detached.
    upstream: e.g. "origin/main", or None.  ahead/behind: None when not
    computed or when the upstream is gone (upstream_gone).
    """
    oid: Optional[str] = None
    head: Optional[str] = None
    upstream: Optional[str] = None
    upstream_gone: bool = False
    ahead: Optional[int] = None
    behind: Optional[int] = None


@dataclass
class Status:
    branch: Branch = field(default_factory=Branch)
    changes: List[Change] = field(default_factory=list)
    unmerged: List[Unmerged] = field(default_factory=list)
    untracked: List[bytes] = field(default_factory=list)  # dirs end with b'/'
    ignored: List[bytes] = field(default_factory=list)    # dirs end with b'/'
    stash_count: int = 0
    # How the engine found the worktree side: "full" (a full scan) or
    # "cache" (the status cache and the helper's answer); for traces and tests.
    how: Optional[str] = None

