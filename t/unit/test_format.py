"""The formatters and the command line against the real git status.

Each scenario builds a repository with git; for each set of arguments and
config, the entries computed by git itself (t/unit/oracle.py) are handed to
status/render.py's render(), and its bytes must equal what `git status` prints for
the same arguments.  So the formatters, branch/upstream/stash/in-progress
information, option parsing and config are tested independently of the
status engine.  A case we claim to support must not fall back.
"""

import os
import subprocess
import textwrap

import pytest

from git_fswatch.repo import discover
from git_fswatch.status.inputs import DiskInputs
from git_fswatch.status.render import render

import oracle
from testlib import clean_env, git, use_env

SCENARIOS = {
    "unborn-empty": "",
    "unborn-files": """
        echo a >a && mkdir d && echo b >d/b && git add a
    """,
    "changes": r"""
        echo one >kept && echo two >modified && echo three >deleted &&
        echo four >staged-del && echo five >typechange && echo six >old-name &&
        seq 1 50 >renamed-mod && mkdir -p dir/sub && echo x >dir/sub/x &&
        printf 'q\n' >"with space" && printf 'r\n' >"tab	name" && echo u >"utf-é" &&
        git add . && git commit -q -m base &&
        echo more >>modified && rm deleted && git rm -q staged-del &&
        rm typechange && ln -s kept typechange &&
        git mv old-name new-name && git mv renamed-mod renamed-modded &&
        echo 51 >>renamed-modded &&
        echo new >added && git add added && echo ita >ita && git add -N ita &&
        echo s >>"with space" && git add "with space" && echo t >>"tab	name" &&
        chmod +x kept &&
        mkdir -p untracked-dir/deeper && echo u >untracked-dir/deeper/f &&
        echo u >dir/untracked && echo 'q"uote' >'q"uote' && echo b >'back\slash' &&
        echo '*.o' >.gitignore && echo o >x.o && echo o >dir/sub/y.o &&
        mkdir ign-dir && echo o >ign-dir/z.o
    """,
    "unborn-ita": """
        echo a >a && git add -N a && echo b >b && git add b && rm b
    """,
    "unborn-upstream": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git config branch.main.remote origin && git config branch.main.merge refs/heads/main
    """,
    "staged-typechange": """
        echo a >a && echo b >b && echo c >c && git add . && git commit -q -m a &&
        rm a && ln -s b a && git add a && rm c && ln -s b c && chmod +x b
    """,
    "clean": """
        echo a >a && git add a && git commit -q -m a
    """,
    "staged-only": """
        echo a >a && git add a && git commit -q -m a && echo b >>a && git add a
    """,
    "upstream": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a && git checkout -q -b other) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git checkout -q -b main origin/main && echo b >b && git add b &&
        git commit -q -m b && git checkout -q -b behind origin/main~0 &&
        git branch -q --set-upstream-to=main &&
        git checkout -q -b gone main && git config branch.gone.remote origin &&
        git config branch.gone.merge refs/heads/nowhere &&
        git checkout -q -b level origin/main &&
        git checkout -q main && echo dirty >>a
    """,
    "gone": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git checkout -q -b main origin/main &&
        git config branch.main.merge refs/heads/gone-away && echo d >>a
    """,
    "behind-detached-remote": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a && echo b >b && git add b && git commit -q -m b) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git checkout -q -b main origin/main && git reset -q --hard HEAD~1 &&
        git checkout -q origin/main
    """,
    "behind": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a && echo b >b && git add b && git commit -q -m b) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git checkout -q -b main origin/main && git reset -q --hard HEAD~1
    """,
    "diverged": """
        git init -q -b main ../up-REPO && (cd ../up-REPO && echo a >a && git add a &&
            git commit -q -m a) &&
        git remote add origin ../up-REPO && git fetch -q origin &&
        git checkout -q -b main origin/main &&
        (cd ../up-REPO && echo c >c && git add c && git commit -q -m c &&
         echo d >d && git add d && git commit -q -m d) && git fetch -q &&
        echo b >b && git add b && git commit -q -m b
    """,
    "detached-tag": """
        echo a >a && git add a && git commit -q -m a && git tag v1 &&
        echo b >b && git add b && git commit -q -m b &&
        git checkout -q v1 && echo x >x
    """,
    "detached-from": """
        echo a >a && git add a && git commit -q -m a &&
        echo b >b && git add b && git commit -q -m b &&
        git checkout -q HEAD~1 && echo c >c && git add c && git commit -q -m c
    """,
    "merge-conflicts": """
        for f in uu dd ud du keep; do echo base >$f; done && git add . &&
        git commit -q -m base && git checkout -q -b side &&
        echo side >uu && git mv dd dd2 && git rm -q ud && echo s >du &&
        echo side >aa && echo t >ua && git add -A && git commit -q -m side &&
        git checkout -q main && echo main >uu && git mv dd dd3 && echo m >ud &&
        git rm -q du && echo main >aa && echo u >au && git add -A &&
        git commit -q -m main && { git merge side >/dev/null 2>&1 || true; } &&
        echo wt >new
    """,
    "merge-only-conflicts": """
        echo base >f && git add f && git commit -q -m base && git checkout -q -b side &&
        echo side >f && git commit -q -a -m side && git checkout -q main &&
        echo main >f && git commit -q -a -m main &&
        { git merge side >/dev/null 2>&1 || true; }
    """,
    "merge-resolved": """
        echo base >f && git add f && git commit -q -m base && git checkout -q -b side &&
        echo side >f && git commit -q -a -m side && git checkout -q main &&
        echo main >f && git commit -q -a -m main &&
        { git merge side >/dev/null 2>&1 || true; } && echo fixed >f && git add f
    """,
    "merge-nothing": """
        echo base >f && git add f && git commit -q -m base && git checkout -q -b side &&
        echo side >f && git commit -q -a -m side && echo base >f && git commit -q -a -m back &&
        git checkout -q main && echo g >g && git add g && git commit -q -m g &&
        git merge -q --no-ff --no-commit side >/dev/null 2>&1
    """,
    "both-deleted": """
        echo base >f && echo g >g && git add . && git commit -q -m base &&
        git checkout -q -b side && git mv f f1 && git commit -q -m side &&
        git checkout -q main && git mv f f2 && git commit -q -m main &&
        { git merge side >/dev/null 2>&1 || true; }
    """,
    "stash-conflict": """
        echo base >f && git add f && git commit -q -m base &&
        echo stashed >f && git stash -q && echo other >f && git commit -q -a -m other &&
        { git stash pop >/dev/null 2>&1 || true; }
    """,
    "cherry-pick": """
        echo a >f && git add f && git commit -q -m base && git checkout -q -b t &&
        echo t >f && git commit -q -a -m t && git checkout -q main &&
        echo m >f && git commit -q -a -m m && { git cherry-pick t >/dev/null 2>&1 || true; }
    """,
    "cherry-pick-resolved": """
        echo a >f && git add f && git commit -q -m base && git checkout -q -b t &&
        echo t >f && git commit -q -a -m t && git checkout -q main &&
        echo m >f && git commit -q -a -m m && { git cherry-pick t >/dev/null 2>&1 || true; } &&
        echo r >f && git add f && echo u >u
    """,
    "revert": """
        echo a >f && git add f && git commit -q -m base && echo b >f && git commit -q -a -m b &&
        echo c >f && git commit -q -a -m c &&
        { git revert --no-edit HEAD~1 >/dev/null 2>&1 || true; }
    """,
    "bisect": """
        echo a >f && git add f && git commit -q -m base && echo b >f && git commit -q -a -m b &&
        echo c >f && git commit -q -a -m c && git bisect start HEAD HEAD~2 >/dev/null
    """,
    "bisect-detached": """
        echo a >f && git add f && git commit -q -m base && echo b >f && git commit -q -a -m b &&
        echo c >f && git commit -q -a -m c && git checkout -q --detach &&
        git bisect start HEAD HEAD~2 >/dev/null && echo x >x
    """,
    "am-conflict": """
        echo a >f && git add f && git commit -q -m base && git checkout -q -b t &&
        echo t >f && git commit -q -a -m t && git format-patch -q -1 --stdout >../REPO.patch &&
        git checkout -q main && echo m >f && git commit -q -a -m m &&
        { git am -3 ../REPO.patch >/dev/null 2>&1 || true; }
    """,
    "am-rejected": """
        echo a >f && git add f && git commit -q -m base && git checkout -q -b t &&
        echo t >f && git commit -q -a -m t && git format-patch -q -1 --stdout >../REPO.patch &&
        git checkout -q main && echo m >f && git commit -q -a -m m &&
        { git am ../REPO.patch >/dev/null 2>&1 || true; }
    """,
    "am-empty": """
        echo a >f && git add f && git commit -q -m base &&
        printf 'From: A <a@b>\\nSubject: empty\\n\\n' >../REPO.patch &&
        { git am ../REPO.patch >/dev/null 2>&1 || true; }
    """,
    "stashes": """
        echo a >a && git add a && git commit -q -m a &&
        echo b >>a && git stash -q && echo c >>a && git stash -q && echo d >u
    """,
}

ARGS = [
    [], ["-s"], ["-sb"], ["--short", "--branch"], ["--porcelain"],
    ["--porcelain", "-b"], ["--porcelain=v2"],
    ["--porcelain=v2", "--branch", "--show-stash"], ["-z"], ["-s", "-z"],
    ["-z", "-b"], ["--porcelain=v2", "-z", "-b"], ["-uno"], ["-uall"], ["-u"],
    ["--untracked-files=no", "-s"], ["--ignored"], ["--ignored", "-s"],
    ["--ignored=matching", "--porcelain=v2"], ["--show-stash"], ["--no-ahead-behind"],
    ["-sb", "--no-ahead-behind"], ["--porcelain=v2", "-b", "--no-ahead-behind"],
    ["--no-renames"], ["-s", "--no-renames"], ["--long", "-b"],
]

CONFIGS = [
    {}, {"advice.statusHints": "false"}, {"status.displayCommentPrefix": "true"},
    {"status.displayCommentPrefix": "true", "core.commentChar": ";"},
    {"status.displayCommentPrefix": "true", "core.commentChar": "auto"},
    {"core.quotePath": "false"}, {"status.relativePaths": "false"},
    {"color.status": "always"}, {"color.ui": "always", "status.short": "true"},
    {"status.branch": "true", "status.short": "true"},
    {"status.showStash": "true"}, {"status.aheadBehind": "false"},
    {"status.showUntrackedFiles": "all"}, {"status.renames": "false"},
]

def _env(home, config):
    return clean_env(home, config, GIT_AUTHOR_DATE="1112911993 -0700",
                     GIT_COMMITTER_DATE="1112911993 -0700")


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    top = tmp_path_factory.mktemp("scenarios")
    made = {}
    for name, script in SCENARIOS.items():
        work = top / name
        work.mkdir()
        git("init", "-q", "-b", "main", work, env=_env(top, {}))
        script = textwrap.dedent(script).replace("REPO", name) or "true"
        subprocess.run(["sh", "-e", "-c", script], cwd=str(work), check=True,
                       env=_env(top, {}), stdout=subprocess.DEVNULL)
        made[name] = work
    return top, made


def oracle_compute(repo, req, inputs):
    extra = []
    if not req.renames:
        extra.append("--no-renames")
    if req.pathspecs:
        extra += ["--"] + list(req.pathspecs)
    status = oracle.status_from_git(os.getcwd(), req.untracked, req.ignored, extra)
    # The engine does not fill these: render() must, from the repository.
    status.branch = None
    status.stash_count = None
    return status


def run_both(monkeypatch, cwd, home, config, args):
    env = _env(home, config)
    expect = git("status", *args, cwd=cwd, env=env)
    use_env(monkeypatch, env)
    monkeypatch.chdir(cwd)
    inputs = DiskInputs(env=dict(env), cwd=str(cwd), isatty=False)
    repo = discover.discover(inputs.git)
    return expect, render(repo, args, inputs, oracle_compute)[0]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_format(repos, monkeypatch, scenario):
    home, made = repos
    failures = []
    for args in ARGS:
        expect, actual = run_both(monkeypatch, made[scenario], home, {}, args)
        if expect != actual:
            failures.append((args, expect, actual))
    assert not failures, _show(failures)


@pytest.mark.parametrize("scenario", ["changes", "upstream", "merge-conflicts",
                                      "unborn-files", "stashes", "detached-from",
                                      "gone", "behind", "diverged", "detached-tag",
                                      "behind-detached-remote", "unborn-upstream",
                                      "cherry-pick", "revert", "bisect", "am-conflict",
                                      "am-empty"])
def test_config(repos, monkeypatch, scenario):
    home, made = repos
    failures = []
    for config in CONFIGS:
        for args in ([], ["-s"], ["--porcelain=v2", "-b"], ["-b", "-s"],
                     ["-s", "-z", "-b", "--ignored"]):
            expect, actual = run_both(monkeypatch, made[scenario], home, config, args)
            if expect != actual:
                failures.append((config, args, expect, actual))
    assert not failures, _show(failures)


@pytest.mark.parametrize("scenario", ["changes", "merge-conflicts", "upstream"])
def test_subdirectory(repos, monkeypatch, scenario):
    home, made = repos
    sub = made[scenario] / "dir" / "sub"
    sub.mkdir(parents=True, exist_ok=True)
    failures = []
    for config in ({}, {"status.relativePaths": "false"}):
        for args in ([], ["-s"], ["--porcelain"], ["--porcelain=v2"], ["-s", "-z"], ["-uall"]):
            expect, actual = run_both(monkeypatch, sub, home, config, args)
            if expect != actual:
                failures.append((config, args, expect, actual))
    assert not failures, _show(failures)


def _show(failures):
    lines = []
    for f in failures[:3]:
        lines.append("case %r" % (f[:-2],))
        lines.append("  git:   %r" % f[-2])
        lines.append("  ours:  %r" % f[-1])
    return "\n".join(lines)
