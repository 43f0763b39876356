"""A full scan split over several processes.

Most of a full scan is one lstat() per tracked file, made one after the
other; on a machine with several cores the tracked directories can be
examined by several processes at once.  The index is parsed and the Tree
built before the fork, so that the children share them copy-on-write; each
child examines its share of the directories and sends back, through a pipe,
what examine() returned for each (marshal: bytes, tuples, lists and dicts
only), then leaves by os._exit() without running anything of its parent's.
The parent examines a share itself.

A share is a list of units: a subtree (a tracked directory and every
tracked directory below it, walked as the serial scan walks the whole tree)
or a single directory (one on the way to the subtrees, examined without
descending).  The units are found from the Tree alone, splitting the
largest subtree until each is small against the whole, and dealt to the
processes by the number of index entries they hold.  A unit's top directory
is checked to be reachable (no symlink on the way) by lstat() of each of its
components, as examine() does when it is not told; the serial scan learns
the same from the listing of the parent directory.

Never a wrong answer: a child that fails in any way other than
Decline (which the serial scan would raise as well), dies, or
sends something that does not decode, and the caller scans serially.

GIT_FSWATCH_SCAN_PROCESSES=<n> sets the number of processes for every full
scan (1: no fork); unset, a scan of an index of at least MIN_ENTRIES entries
uses one process per CPU this process may run on, up to MAX_PROCESSES.
"""

import heapq
import marshal
import os

from git_fswatch import forked
from git_fswatch.trace import event

ENV = "GIT_FSWATCH_SCAN_PROCESSES"
# Below this many index entries a fork costs about what it saves.
MIN_ENTRIES = 20000
MAX_PROCESSES = 8
# Split subtrees until none holds more than this share of a process's work.
_GRAIN = 4


def processes(entries, env):
    """How many processes a full scan of *entries* index entries uses
    (*env*: the command's environment, for GIT_FSWATCH_SCAN_PROCESSES)."""
    value = env.get(ENV, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            event("status.bad-knob", name=ENV, value=value)
        else:
            return max(1, min(n, 64))
    if entries < MIN_ENTRIES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_PROCESSES))


def _join(d, name):
    return d + b"/" + name if d else name


def _weights(tree):
    """{dir: index entries in it and below it} for every tracked directory."""
    own = {d: len(tree.files.get(d, ())) + len(tree.names.get(d, ()))
           for d in tree.subdirs}
    total = dict(own)
    for d in sorted(tree.subdirs, key=lambda d: -d.count(b"/") if d else 1):
        if d:
            parent = d.rpartition(b"/")[0]
            total[parent] += total[d]
    return own, total


def plan(tree, n):
    """Deal the tracked directories of *tree* to *n* shares: a list of n
    lists of units (dir, descend), every tracked directory in exactly one
    unit.  descend=True: the directory and its whole subtree."""
    own, total = _weights(tree)
    target = max(1, total[b""] // (n * _GRAIN))
    units = []                 # (weight, dir, descend) decided
    heap = [(-total[b""], b"")]
    while heap:
        weight, d = heapq.heappop(heap)
        weight = -weight
        subs = tree.subdirs.get(d, ())
        if weight <= target or not subs:
            units.append((weight, d, True))
            continue
        units.append((own[d] or 1, d, False))
        for name in subs:
            sub = _join(d, name)
            heapq.heappush(heap, (-total[sub], sub))
    units.sort(key=lambda u: (-u[0], u[1]))
    shares = [[] for _ in range(n)]
    loads = [(0, i) for i in range(n)]
    for weight, d, descend in units:
        load, i = heapq.heappop(loads)
        shares[i].append((d, descend))
        heapq.heappush(loads, (load + weight, i))
    return shares


def walk(scanner, tree, d, reachable, dirs, descend=True):
    """Examine tracked directory *d* (and, with *descend*, every tracked
    directory below it) into *dirs*, as the serial full scan does.
    reachable: True, False, or None to have examine() find out."""
    stack = [(d, reachable)]
    while stack:
        d, reachable = stack.pop()
        c, u, i, real = scanner.examine(d, reachable=reachable)
        dirs[d] = (c, u, i, scanner.relied)
        if not descend:
            continue
        real = set(real)
        for name in tree.subdirs.get(d, ()):
            sub = _join(d, name)
            if name in real:
                stack.append((sub, True))
            else:
                for dd in tree.dirs_under(sub):
                    c, _, _, _ = scanner.examine(dd, reachable=False)
                    dirs[dd] = (c, [], [], [])


def _do_share(scanner, tree, share):
    dirs = {}
    for d, descend in share:
        walk(scanner, tree, d, True if not d else None, dirs, descend)
    return dirs


def _in_child(scanner, tree, share, ignore):
    """What a child computes: its share, and its counts."""
    scanner.listed = scanner.hashed = 0
    ignore.forget()
    ignore.calls = 0
    dirs = _do_share(scanner, tree, share)
    ignore.close()
    return dirs, scanner.listed, scanner.hashed, ignore.calls


def full(scanner, tree, ignore, n):
    """The full scan's {dir: (changes, untracked, ignored, relied)} over *n*
    processes, or None when it could not be had that way (scan serially).
    Raises Decline as the serial scan would.  *ignore* (status/ignore.py)
    counts the ignore checks; each process asks a git check-ignore of its
    own."""
    shares = plan(tree, n)
    children = []
    try:
        for share in shares[1:]:
            if not share:
                continue
            child = forked.start(lambda share=share: _in_child(scanner, tree, share, ignore),
                                 marshal.dumps, close_fds=[c.fd for c in children])
            if child is None:
                return _give_up("cannot fork")
            children.append(child)
        event("status.parallel-scan", processes=len(children) + 1)
        try:
            dirs = _do_share(scanner, tree, shares[0])
            for child in children:
                while not child.read():
                    pass
        except BaseException:
            # our share raised (Decline, or ^C): the children's answers
            # are not wanted, and the caller must not wait for them
            for child in children:
                child.kill("not wanted")
            raise
        results = [child.outcome(marshal.loads) for child in children]
    except forked.ChildFailed as e:
        return _give_up("a scanning process failed: %s" % e)
    finally:
        for child in children:
            child.reap()
    for got, listed, hashed, calls in results:
        dirs.update(got)
        scanner.listed += listed
        scanner.hashed += hashed
        ignore.calls += calls
    return dirs


def _give_up(why):
    event("status.parallel-failed", why=why)
    return None
