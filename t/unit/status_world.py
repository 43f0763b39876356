"""The randomly changed repository of test_status_random.py and
test_warm_random.py: the World (files, directories, renames of directories,
same-size rewrites, mode changes, symlinks, odd names, .gitignore edits,
index operations, commits, branch switches, stashes, conflicting merges),
and the arguments and configurations the two compare git status under.
Its git runs in testlib.clean_env() with HOME the directory above the
worktree.
"""

import os
import shutil

from testlib import clean_env, run_git

NAMES = ["a", "b", "c", "d.o", "x y", "é", "tab\tname", "q\"", "back\\slash", "-dash",
         "sub/a", "sub/b", "sub/deep/c", "sub/deep/d.o", "other/e", "other/f g", "z"]
ARGS = [[], ["-s"], ["-sb"], ["--porcelain"], ["--porcelain=v2", "-b", "--show-stash"],
        ["-z"], ["--porcelain=v2", "-z"], ["-uall"], ["-uno"], ["-s", "-uall"],
        ["--no-renames"], ["--show-stash"], ["-sb", "--no-ahead-behind"],
        ["--ignored", "-s"], ["--long", "-b"]]
CONFIGS = [{}, {"advice.statusHints": "false"}, {"core.quotePath": "false"},
           {"color.status": "always"}, {"status.displayCommentPrefix": "true"},
           {"status.short": "true", "status.branch": "true"}, {"status.relativePaths": "false"}]


class World:
    def __init__(self, top, rng):
        self.top = top
        self.rng = rng
        self.log = []
        self.answered = 0
        self.env = clean_env(os.path.dirname(top))

    def git(self, *args, check=False):
        return run_git(*args, cwd=self.top, env=self.env, check=check).returncode

    def path(self, name):
        return os.path.join(self.top, name)

    def write(self, name, data):
        p = self.path(name)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.lexists(p) and not os.path.isfile(p):
            os.unlink(p)
        with open(p, "w") as f:
            f.write(data)

    def step(self):
        r = self.rng
        name = r.choice(NAMES)
        op = r.choice(["write", "write", "write", "same-size", "delete", "chmod", "symlink",
                       "mvdir", "ignore", "add", "add-all", "rm-cached", "commit", "commit",
                       "branch", "stash", "merge", "mv", "add-N", "reset"])
        self.log.append((op, name))
        p = self.path(name)
        try:
            if op == "write":
                self.write(name, "%s %d\n" % (name, r.randrange(1000)) * r.randrange(1, 4))
            elif op == "same-size" and os.path.isfile(p):
                with open(p, "r+") as f:
                    data = f.read()
                    f.seek(0)
                    f.write(data[::-1] if len(data) > 1 else "Q")
            elif op == "delete" and os.path.lexists(p):
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
            elif op == "chmod" and os.path.isfile(p) and not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode ^ 0o111)
            elif op == "symlink":
                if os.path.lexists(p) and not (os.path.isdir(p) and not os.path.islink(p)):
                    os.unlink(p)
                if not os.path.lexists(p):
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    os.symlink(r.choice(["a", "nowhere", "../a"]), p)
            elif op == "mvdir":
                src = r.choice(["sub", "other", "sub/deep"])
                dst = r.choice(["moved", "sub2", "other/in"])
                if os.path.isdir(self.path(src)) and not os.path.lexists(self.path(dst)) \
                        and not dst.startswith(src + "/"):
                    os.makedirs(os.path.dirname(self.path(dst)) or self.top, exist_ok=True)
                    os.rename(self.path(src), self.path(dst))
            elif op == "ignore":
                self.write(r.choice([".gitignore", "sub/.gitignore"]),
                           "\n".join(r.sample(["*.o", "z", "other/", "deep", "!d.o", "x*"],
                                              r.randrange(0, 3))) + "\n")
            elif op == "add":
                self.git("add", "--", name)
            elif op == "add-all":
                self.git("add", "-A")
            elif op == "rm-cached":
                self.git("rm", "-q", "-r", "--cached", "--", name)
            elif op == "commit":
                self.git("add", "-A")
                self.git("commit", "-q", "-m", "c%d" % len(self.log))
            elif op == "branch":
                b = r.choice(["main", "topic", "side"])
                if self.git("checkout", "-q", b) != 0:
                    self.git("checkout", "-q", "-b", b)
            elif op == "stash":
                self.git("stash", "-q") if r.random() < 0.7 else self.git("stash", "pop", "-q")
            elif op == "merge":
                if os.path.exists(os.path.join(self.top, ".git", "MERGE_HEAD")):
                    self.git("merge", "--abort")
                else:
                    self.git("merge", "-q", "--no-edit", r.choice(["main", "topic", "side"]))
            elif op == "mv":
                self.git("mv", "-k", name, r.choice(NAMES) + "-moved")
            elif op == "add-N":
                self.git("add", "-N", "--", name)
            elif op == "reset":
                self.git("reset", "-q", "--", name)
        except OSError:
            pass
