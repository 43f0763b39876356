"""Make (or reuse) a synthetic working tree for the benchmarks.

A tree of N files: about 100 files a directory, directories nested two
levels deep (a/b/f), every file small and distinct, all committed.  Trees are
cached under t/perf/trees/<N>/ and made again only when missing or when the
generator's format version changes.

usage: python gen_tree.py <trees-dir> <nfiles>   (prints the repository path)
"""

import os
import subprocess
import sys

FORMAT = "1"
PER_DIR = 100


def layout(nfiles):
    """Yield relative file paths: ~PER_DIR files a leaf, PER_DIR leaves a parent."""
    for i in range(nfiles):
        leaf, f = divmod(i, PER_DIR)
        top, mid = divmod(leaf, PER_DIR)
        yield "d%03d/d%03d/f%03d.txt" % (top, mid, f)


def git(repo, *args, **kw):
    subprocess.run(["git", "-C", repo] + list(args), check=True, **kw)


def make_tree(trees_dir, nfiles):
    repo = os.path.join(trees_dir, str(nfiles))
    stamp = os.path.join(repo, ".git", "fswatch-perf-tree")
    try:
        with open(stamp) as f:
            if f.read().strip() == FORMAT:
                return repo
    except OSError:
        pass
    subprocess.run(["rm", "-rf", repo], check=True)
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    made = set()
    for rel in layout(nfiles):
        d = os.path.dirname(rel)
        if d not in made:
            os.makedirs(os.path.join(repo, d), exist_ok=True)
            made.add(d)
        with open(os.path.join(repo, rel), "w") as f:
            f.write("file %s\n" % rel)
    with open(os.path.join(repo, ".gitignore"), "w") as f:
        f.write("*.o\n/build/\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="perf", GIT_AUTHOR_EMAIL="perf@example.com",
               GIT_COMMITTER_NAME="perf", GIT_COMMITTER_EMAIL="perf@example.com")
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "-m", "synthetic tree of %d files" % nfiles, env=env)
    with open(stamp, "w") as f:
        f.write(FORMAT + "\n")
    return repo


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    print(make_tree(sys.argv[1], int(sys.argv[2])))
