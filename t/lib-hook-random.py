"""Randomised differential test of the core.fsmonitor hook.

usage: lib-hook-random.py <worktree> <seconds> <max-rounds> [<seed>]

Applies random changes to <worktree> (files, directories, renames, modes,
symlinks, ignore rules, index and branch operations) and after each round
compares `git status` (which runs the hook) with `git -c core.fsmonitor=false
--no-optional-locks status`.  Stops at the first difference (exit 1, with
the seed and the operations that led there) or after <seconds> or
<max-rounds> rounds (exit 0).
"""

import os
import random
import shutil
import subprocess
import sys
import time

NAMES = ["a", "b", "c", "d e", "f\tg", "h.o", "i-j", "k"]
DIRS = ["", "x", "x/y", "x/y/z", "w", "w/v"]
FORMS = [
    ["status"],
    ["status", "--porcelain=v2", "-uall", "--ignored"],
    ["status", "--short", "-unormal"],
]


class Mismatch(Exception):
    pass


def git(top, *args, check=True):
    return subprocess.run(("git", "-C", top) + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=check).stdout


class World:
    def __init__(self, top, rnd):
        self.top = top
        self.rnd = rnd
        self.log = []

    def p(self, rel):
        return os.path.join(self.top, rel)

    def existing(self, want_dir=None):
        out = []
        for root, dirs, files in os.walk(self.top):
            if ".git" in dirs:
                dirs.remove(".git")
            rel = os.path.relpath(root, self.top)
            rel = "" if rel == "." else rel
            if want_dir in (None, True) and rel:
                out.append(rel)
            if want_dir in (None, False):
                out.extend(os.path.join(rel, f) for f in files)
        return sorted(out)

    def pick(self, want_dir=None):
        things = self.existing(want_dir)
        return self.rnd.choice(things) if things else None

    def new_path(self):
        d = self.rnd.choice(DIRS)
        return os.path.join(d, self.rnd.choice(NAMES))

    def clear_way(self, rel):
        """Make the parents of *rel* directories, whatever stood there."""
        parts = rel.split("/")[:-1]
        cur = ""
        for part in parts:
            cur = os.path.join(cur, part)
            full = self.p(cur)
            if os.path.islink(full) or (os.path.exists(full) and not os.path.isdir(full)):
                os.unlink(full)
            if not os.path.isdir(full):
                os.mkdir(full)

    # ---- operations ----------------------------------------------------
    def op_write(self):
        rel = self.new_path()
        self.clear_way(rel)
        full = self.p(rel)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        elif os.path.lexists(full):
            os.unlink(full)
        with open(full, "w") as f:
            f.write("%d\n" % self.rnd.randrange(1000))
        return "write %r" % rel

    def op_same_size_rewrite(self):
        rel = self.pick(False)
        if rel is None or os.path.islink(self.p(rel)):
            return None
        with open(self.p(rel), "rb") as f:
            data = f.read()
        new = bytes((b + 1) % 256 if b not in (10,) else b for b in data) or b"z"
        with open(self.p(rel), "wb") as f:
            f.write(new)
        return "rewrite same size %r" % rel

    def op_append(self):
        rel = self.pick(False)
        if rel is None or os.path.islink(self.p(rel)):
            return None
        with open(self.p(rel), "a") as f:
            f.write("more\n")
        return "append %r" % rel

    def op_delete(self):
        rel = self.pick(False)
        if rel is None:
            return None
        os.unlink(self.p(rel))
        return "delete %r" % rel

    def op_rmdir(self):
        rel = self.pick(True)
        if rel is None:
            return None
        shutil.rmtree(self.p(rel))
        return "rm -r %r" % rel

    def op_mkdirs(self):
        rel = os.path.join(self.rnd.choice(DIRS), "n%d" % self.rnd.randrange(5),
                           "m%d" % self.rnd.randrange(3))
        self.clear_way(os.path.join(rel, "f"))
        with open(self.p(os.path.join(rel, "f")), "w") as f:
            f.write("deep\n")
        return "mkdir -p %r with a file" % rel

    def op_rename(self):
        src = self.pick()
        if src is None:
            return None
        dst = self.new_path()
        if dst == src or dst.startswith(src + "/"):
            return None
        self.clear_way(dst)
        full = self.p(dst)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        elif os.path.lexists(full):
            os.unlink(full)
        if not os.path.lexists(self.p(src)):
            return None
        os.rename(self.p(src), full)
        return "mv %r %r" % (src, dst)

    def op_chmod(self):
        rel = self.pick(False)
        if rel is None or os.path.islink(self.p(rel)):
            return None
        mode = os.stat(self.p(rel)).st_mode
        os.chmod(self.p(rel), mode ^ 0o111)
        return "chmod %r" % rel

    def op_symlink(self):
        rel = self.new_path()
        self.clear_way(rel)
        full = self.p(rel)
        if os.path.isdir(full) and not os.path.islink(full):
            return None
        if os.path.lexists(full):
            os.unlink(full)
        os.symlink(self.rnd.choice(NAMES), full)
        return "symlink %r" % rel

    def op_ignore(self):
        pattern = self.rnd.choice(["*.o", "a", "x/", "k", "!h.o", "w/v"])
        with open(self.p(".gitignore"), "a") as f:
            f.write(pattern + "\n")
        return "ignore %r" % pattern

    def op_unignore(self):
        if os.path.exists(self.p(".gitignore")):
            os.unlink(self.p(".gitignore"))
            return "rm .gitignore"
        return None

    def op_add_all(self):
        git(self.top, "add", "-A")
        return "git add -A"

    def op_add_one(self):
        rel = self.pick(False)
        if rel is None:
            return None
        git(self.top, "add", "--", rel, check=False)
        return "git add %r" % rel

    def op_commit(self):
        git(self.top, "commit", "-q", "--allow-empty", "-m", "r", check=False)
        return "git commit"

    def op_commit_all(self):
        git(self.top, "add", "-A")
        git(self.top, "commit", "-q", "--allow-empty", "-m", "r")
        return "git add -A && git commit"

    def op_reset_hard(self):
        git(self.top, "reset", "-q", "--hard")
        return "git reset --hard"

    def op_rm_cached(self):
        rel = self.pick(False)
        if rel is None:
            return None
        git(self.top, "rm", "-q", "--cached", "--", rel, check=False)
        return "git rm --cached %r" % rel

    def op_branch_dance(self):
        git(self.top, "add", "-A")
        git(self.top, "commit", "-q", "--allow-empty", "-m", "r")
        git(self.top, "checkout", "-q", "HEAD~1", check=False)
        git(self.top, "checkout", "-q", "-", check=False)
        return "commit, checkout HEAD~1 and back"

    def ops(self):
        weighted = [
            (self.op_write, 6), (self.op_append, 4), (self.op_same_size_rewrite, 3),
            (self.op_delete, 3), (self.op_rmdir, 1), (self.op_mkdirs, 2),
            (self.op_rename, 4), (self.op_chmod, 2), (self.op_symlink, 1),
            (self.op_ignore, 1), (self.op_unignore, 1), (self.op_add_all, 2),
            (self.op_add_one, 2), (self.op_commit, 1), (self.op_commit_all, 1),
            (self.op_reset_hard, 1), (self.op_rm_cached, 1), (self.op_branch_dance, 1),
        ]
        return [f for f, w in weighted for _ in range(w)]

    def compare(self):
        for form in FORMS:
            with_hook = git(self.top, *form)
            without = git(self.top, "-c", "core.fsmonitor=false",
                          "--no-optional-locks", *form)
            if with_hook != without:
                raise Mismatch("git %s\n--- without the hook\n%s--- with the hook\n%s"
                               % (" ".join(form), without.decode("utf-8", "replace"),
                                  with_hook.decode("utf-8", "replace")))


def main():
    top, seconds, max_rounds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else \
        random.SystemRandom().randrange(1 << 32)
    rnd = random.Random(seed)
    world = World(top, rnd)
    ops = world.ops()
    deadline = time.monotonic() + seconds
    rounds = 0
    try:
        world.compare()
        while rounds < max_rounds and time.monotonic() < deadline:
            rounds += 1
            for _ in range(rnd.randint(1, 4)):
                done = rnd.choice(ops)()
                if done:
                    world.log.append("round %d: %s" % (rounds, done))
            world.compare()
    except Mismatch as e:
        print("seed %d: mismatch after round %d" % (seed, rounds))
        print("\n".join(world.log[-40:]))
        print(e)
        return 1
    print("seed %d: %d rounds, %d operations, no difference"
          % (seed, rounds, len(world.log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
