#!/bin/sh

test_description='git fswatch-status: the command line and config of git status

Options and config git status honours are either understood (and then the
answer is our own, byte for byte git'"'"'s) or hand the request to the real git
status (and then it is git'"'"'s by construction); usage errors come out as
git'"'"'s, with the same exit code.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-status.sh

test_expect_success 'setup' '
	git init -q -b main repo && cd repo &&
	echo a >a && echo b >b && mkdir d && echo c >d/c && git add . &&
	git commit -q -m one &&
	echo more >>a && git mv b b2 && echo new >new && echo x >d/x &&
	git stash -q && git stash apply -q &&
	git -C .. init -q -b main up && git -C ../up commit -q --allow-empty -m up &&
	git remote add origin ../up && git fetch -q origin &&
	git branch -q --set-upstream-to=origin/main
'

test_expect_success '-h prints our usage on stdout and exits 129' '
	cd repo &&
	test_expect_code 129 git fswatch-status -h >../out 2>../err &&
	head -n 1 ../out >../first &&
	echo "usage: git fswatch-status [<options>] [--] [<pathspec>...]" >../expect &&
	test_cmp ../expect ../first &&
	grep "^    -s, --short  *show status concisely" ../out &&
	test_must_be_empty ../err
'

test_expect_success '-h after other options is still usage' '
	cd repo &&
	test_expect_code 129 git fswatch-status -s -h >../out &&
	grep "^usage: git fswatch-status" ../out
'

test_expect_success '-h does not import pygit2' '
	cd repo &&
	PYTHONPATH="$SRC_DIR" "$PYTHON" -c "
import sys
sys.argv = [\"git-fswatch-status\", \"-h\"]
from git_fswatch.cli.status import main
try:
    main()
except SystemExit as e:
    assert e.code == 129, e.code
assert \"pygit2\" not in sys.modules, \"pygit2 imported for -h\"
" >/dev/null
'

for args in "--no-such-option" "-q" "--porcelain=v3" "-ufoo" "--untracked-files=bogus" \
	"--long -z" "--porc" "--ignored=bogus" "-v" "--verbose" "--column" \
	"--column=always" "--ignore-submodules=bogus" "-M5" "--find-renames=abc"
do
	test_expect_success "'$args' is git's answer, through the fall back" "
		cd repo &&
		status_is_git_status $args &&
		status_fell_back
	"
done

for args in "-s -b" "-sb" "-bs" "-zs" "-s -uno" "-suall" "-uall -s" "--untracked-files -s" \
	"-s --no-branch -b" "-sb --no-branch" "--short --long" "--porcelain --short" \
	"-s --porcelain=v2" "--show-stash --no-show-stash" "-s --no-renames -M" \
	"-sM50" "-s --find-renames=70%" "--no-column -s" "-s --ahead-behind" \
	"-s --"
do
	test_expect_success "'$args' is our own answer" "
		cd repo &&
		same_as_git $args
	"
done

test_expect_success 'options after a pathspec, and pathspecs, as git' '
	cd repo &&
	status_is_git_status d -s &&
	status_is_git_status -s -- d a &&
	status_is_git_status -s nowhere &&
	status_is_git_status -- -s
'

for config in "status.short=true" "status.branch=true" \
	"status.showStash=true" "status.showUntrackedFiles=no" \
	"status.showUntrackedFiles=all" "status.aheadBehind=false" \
	"advice.statusHints=false" "status.displayCommentPrefix=true" \
	"core.quotePath=false" "color.status=always" "color.ui=always" \
	"color.status=auto" "color.ui=false" "status.renames=false" \
	"diff.renames=false" "status.relativePaths=false" "column.status=never"
do
	test_expect_success "git -c $config is our own answer" "
		cd repo &&
		for args in '' -sb
		do
			git -c '$config' status \$args >../expect.out &&
			rm -f \"\$TRASH_DIRECTORY/trace\" &&
			GIT_FSWATCH_TRACE=\"\$TRASH_DIRECTORY/trace\" \
			git -c '$config' fswatch-status \$args >../actual.out &&
			test_cmp ../expect.out ../actual.out &&
			status_answered_itself || return 1
		done
	"
done

test_expect_success 'deferred config is ignored by the porcelain formats and -z' '
	cd repo &&
	git -c status.short=true -c status.branch=true -c status.aheadBehind=false \
		status --porcelain >../expect.out &&
	git -c status.short=true -c status.branch=true -c status.aheadBehind=false \
		fswatch-status --porcelain >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	git -c status.short=true -c status.branch=true status -z >../expect.out &&
	git -c status.short=true -c status.branch=true fswatch-status -z >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	git -c status.aheadBehind=false status --porcelain=v2 -b >../expect.out &&
	git -c status.aheadBehind=false fswatch-status --porcelain=v2 -b >../actual.out &&
	test_cmp ../expect.out ../actual.out
'

test_expect_success 'config in the repository file is honoured too' '
	cd repo &&
	test_when_finished "git -C repo config --unset status.short &&
		git -C repo config --unset advice.statusHints" &&
	git config status.short true &&
	git config advice.statusHints false &&
	same_as_git &&
	same_as_git --long
'

for args in -uno -uall --untracked-files=normal
do
	test_expect_success "a bad status.showUntrackedFiles is fatal even with $args" "
		cd repo &&
		git -c status.showUntrackedFiles=true status $args >../expect.out 2>../expect.err
		echo \$? >../expect.code &&
		git -c status.showUntrackedFiles=true fswatch-status $args >../actual.out 2>../actual.err
		echo \$? >../actual.code &&
		test_cmp ../expect.out ../actual.out &&
		test_cmp ../expect.err ../actual.err &&
		test_cmp ../expect.code ../actual.code &&
		echo 128 >../want.code &&
		test_cmp ../want.code ../actual.code
	"
done

for config in "status.submoduleSummary=1" "column.ui=always" "status.renameLimit=5" \
	"diff.renameLimit=5" "status.showUntrackedFiles=bogus" "pager.status=true" \
	"status.showUntrackedFiles=No" "status.showUntrackedFiles" "status.short=maybe"
do
	test_expect_success "git -c $config falls back" "
		cd repo &&
		git -c '$config' status >../expect.out 2>../expect.err
		echo \$? >../expect.code &&
		rm -f \"\$TRASH_DIRECTORY/trace\" &&
		GIT_FSWATCH_TRACE=\"\$TRASH_DIRECTORY/trace\" \
		git -c '$config' fswatch-status >../actual.out 2>../actual.err
		echo \$? >../actual.code &&
		test_cmp ../expect.out ../actual.out &&
		test_cmp ../expect.err ../actual.err &&
		test_cmp ../expect.code ../actual.code &&
		status_fell_back
	"
done

test_expect_success 'git -c reaches the engine too: core.fileMode=false' '
	cd repo &&
	chmod +x d/c && test_when_finished "chmod -x repo/d/c" &&
	git -c core.fileMode=false status -s >../expect.out &&
	git -c core.fileMode=false fswatch-status -s >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	! grep "d/c" ../actual.out &&
	git fswatch-status -s >../actual.out &&
	grep "^ M d/c" ../actual.out
'

test_expect_success 'a color slot of our own falls back when coloring' '
	cd repo &&
	git -c color.status=always -c color.status.changed=blue status >../expect.out &&
	rm -f "$TRASH_DIRECTORY/trace" &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
	git -c color.status=always -c color.status.changed=blue fswatch-status >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	status_fell_back color-slot color.status.changed
'

test_lazy_prereq TTY '
	script -qec true /dev/null </dev/null >/dev/null
'

test_expect_success TTY 'color.status=auto colors a terminal unless TERM is dumb' '
	cd repo &&
	for term in xterm dumb
	do
		TERM=$term script -qec "git status -sb; git status" /dev/null \
			</dev/null >../expect.$term &&
		TERM=$term script -qec "git fswatch-status -sb; git fswatch-status" /dev/null \
			</dev/null >../actual.$term &&
		test_cmp ../expect.$term ../actual.$term || return 1
	done &&
	esc=$(printf "\033") &&
	grep "$esc\[31m" ../actual.xterm >/dev/null &&
	! grep "$esc" ../actual.dumb
'

test_expect_success 'under git'"'"'s pager (GIT_PAGER_IN_USE) auto means color, unless color.pager=false' '
	cd repo &&
	TERM=xterm GIT_PAGER_IN_USE=true git status -sb >../expect.out &&
	TERM=xterm GIT_PAGER_IN_USE=true git fswatch-status -sb >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	grep "$(printf "\033")" ../actual.out >/dev/null &&
	TERM=xterm GIT_PAGER_IN_USE=true git -c color.pager=false status -sb >../expect.out &&
	TERM=xterm GIT_PAGER_IN_USE=true git -c color.pager=false fswatch-status -sb >../actual.out &&
	test_cmp ../expect.out ../actual.out &&
	! grep "$(printf "\033")" ../actual.out
'

test_expect_success 'a translated locale falls back' '
	cd repo &&
	(
		unset LC_ALL &&
		LANG=de_DE.UTF-8 && export LANG &&
		status_is_git_status &&
		status_fell_back locale
	)
'

test_done
