#!/bin/sh

test_description='git fswatch-status answered warm by the helper daemon

With core.fswatchHelper=notify and its daemon running, git fswatch-status
asks the daemon for the whole answer.  Every answer is compared with git
status (both streams, the exit code) across changes in the worktree, index
operations, commits, branch switches, config and ignore rule changes, and a
daemon killed with SIGKILL; the trace says whether the answer came from the
daemon and whether it was remembered or computed.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-notify.sh"
. "$TEST_DIRECTORY/lib-status.sh"

test_atexit 'git -C "$TRASH_DIRECTORY/repo" fswatch-notify exit'

# warm_same <how> [<args>...]: git fswatch-status prints what git status
# prints, and the daemon answered it: <how> is "from memory", "computed"
# (computed in the daemon or apart, in a child) or "" (any).
warm_same () {
	how=$1 && shift &&
	status_is_git_status "$@" &&
	trace_has "$TRASH_DIRECTORY/trace" status.warm ${how:+"how~$how"}
}

# not_warm <code> [<args>...]: right, but not from the daemon, which
# declined with that code ("" for no daemon asked).
not_warm () {
	code=$1 && shift &&
	status_is_git_status "$@" &&
	trace_lacks "$TRASH_DIRECTORY/trace" status.warm &&
	if test -n "$code"
	then
		trace_has "$TRASH_DIRECTORY/trace" status.not-warm "code=$code"
	fi
}

# all_formats <how>: warm_same for the long, short, porcelain and porcelain
# v2 -z formats.
all_formats () {
	for fmt in "" "-s" "--porcelain" "--porcelain=v2 -z -b"
	do
		warm_same "$1" $fmt || return 1
	done
}

test_expect_success 'setup: a repository, the helper, its daemon' '
	git init -q -b main repo &&
	(
		cd repo &&
		mkdir -p dir/sub other &&
		for f in a b dir/c dir/sub/d other/e
		do
			echo "$f" >"$f" || exit 1
		done &&
		echo "*.o" >.gitignore &&
		git add . &&
		git commit -q -m initial &&
		git config core.fswatchHelper notify &&
		git fswatch-status >/dev/null &&
		git fswatch-notify status >status &&
		grep "^pid: " status
	)
'

test_expect_success 'a clean worktree, computed once then from memory' '
	cd repo &&
	warm_same computed &&
	warm_same "from memory" &&
	warm_same computed -s &&
	warm_same "from memory" -s
'

test_expect_success 'files modified, added, deleted, then the same from memory' '
	cd repo &&
	echo more >>a &&
	echo new >dir/new &&
	rm other/e &&
	echo obj >x.o &&
	all_formats computed &&
	all_formats "from memory" &&
	warm_same "" -uall &&
	warm_same "" --ignored -s &&
	warm_same "" -uno
'

test_expect_success 'a change after a remembered answer is seen' '
	cd repo &&
	warm_same "from memory" -s &&
	echo again >>dir/sub/d &&
	warm_same computed -s &&
	mkdir -p fresh/deep && echo f >fresh/deep/f &&
	warm_same computed -s -uall &&
	rm -r fresh &&
	warm_same computed -s -uall
'

test_expect_success 'index operations: add, rm --cached, add -N, reset' '
	cd repo &&
	git add a dir/new &&
	all_formats computed &&
	git rm -q --cached b &&
	warm_same computed --porcelain=v2 &&
	echo ita >ita && git add -N ita &&
	not_warm ita-rename -s &&
	git checkout other/e &&
	warm_same computed -s &&
	git reset -q &&
	all_formats computed &&
	all_formats "from memory"
'

test_expect_success 'a commit, a branch switch, a detached HEAD' '
	cd repo &&
	git add -A &&
	git commit -q -m second &&
	all_formats computed &&
	git checkout -q -b topic &&
	echo topic >>a &&
	git commit -q -a -m topic &&
	all_formats computed &&
	git checkout -q main &&
	warm_same computed &&
	warm_same computed -sb &&
	git checkout -q --detach topic &&
	warm_same computed --porcelain=v2 -b &&
	warm_same "from memory" --porcelain=v2 -b &&
	: the long format abbreviates the commit: never remembered &&
	git checkout -q --detach HEAD~1 &&
	warm_same computed &&
	grep "HEAD detached at [0-9a-f]" "$TRASH_DIRECTORY/actual.out" &&
	warm_same computed &&
	git checkout -q main
'

test_expect_success 'an upstream and ahead/behind' '
	cd repo &&
	git config branch.main.remote . &&
	git config branch.main.merge refs/heads/topic &&
	warm_same computed -sb &&
	warm_same computed &&
	git update-ref refs/heads/topic HEAD &&
	warm_same computed -sb &&
	git config --unset branch.main.remote &&
	git config --unset branch.main.merge &&
	warm_same computed -sb
'

test_expect_success 'a stash' '
	cd repo &&
	echo stashed >>b &&
	git stash -q &&
	warm_same computed --show-stash &&
	warm_same "from memory" --show-stash &&
	git stash pop -q &&
	warm_same computed --show-stash
'

test_expect_success 'repository config: status.short, advice, core.quotePath' '
	cd repo &&
	echo x >"tab	name" &&
	warm_same computed &&
	git config status.short true &&
	warm_same computed &&
	git config advice.statusHints false &&
	git config status.short false &&
	warm_same computed &&
	warm_same "from memory" &&
	git config core.quotePath false &&
	warm_same computed &&
	git config --unset advice.statusHints &&
	git config --unset core.quotePath &&
	warm_same computed
'

test_expect_success 'config on the command line is part of the request' '
	cd repo &&
	status_is_git_status &&
	trace_has "$TRASH_DIRECTORY/trace" status.warm &&
	cp "$TRASH_DIRECTORY/actual.out" ../plain &&
	git -c status.short=true fswatch-status >../short &&
	! test_cmp ../plain ../short &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" git -c status.short=true \
		-c advice.statusHints=false fswatch-status >../actual &&
	git -c status.short=true -c advice.statusHints=false status >../expect &&
	test_cmp ../expect ../actual &&
	trace_has "$TRASH_DIRECTORY/trace" status.warm
'

test_expect_success '.gitignore and info/exclude edits' '
	cd repo &&
	echo "tab*" >>.gitignore &&
	warm_same computed -s &&
	warm_same "from memory" -s &&
	echo "dir/new" >>.git/info/exclude &&
	warm_same computed -s &&
	cp .git/info/exclude ../exclude &&
	echo "!x.o" >>.git/info/exclude &&
	status_is_git_status -s --ignored &&
	cp ../exclude .git/info/exclude
'

test_expect_success 'from a subdirectory, relative and not' '
	cd repo/dir &&
	echo sub >sub/untracked &&
	warm_same computed &&
	warm_same "from memory" &&
	warm_same computed -s . &&
	git -c status.relativePaths=false status -s >"$TRASH_DIRECTORY/expect" &&
	git -c status.relativePaths=false fswatch-status -s >"$TRASH_DIRECTORY/actual" &&
	test_cmp "$TRASH_DIRECTORY/expect" "$TRASH_DIRECTORY/actual"
'

test_expect_success 'with the core.fsmonitor hook enabled too (git status asks the same daemon)' '
	cd repo &&
	git fswatch-notify enable &&
	test_when_finished "git -C \"$TRASH_DIRECTORY/repo\" config --unset core.fsmonitor" &&
	echo hooked >>a &&
	git add a &&
	warm_same computed &&
	echo again >>a &&
	warm_same computed -s &&
	warm_same "from memory" -s &&
	git fswatch-notify status >../status &&
	grep "^sync-timeouts: 0$" ../status
'

test_expect_success 'a merge conflict' '
	cd repo &&
	git add -A && git commit -q -m third &&
	git checkout -q -b side HEAD~1 &&
	echo side >a && git commit -q -a -m side &&
	git checkout -q main &&
	echo main >a && git commit -q -a -m main &&
	test_must_fail git merge -q side >/dev/null &&
	warm_same computed &&
	warm_same computed --porcelain=v2 &&
	git merge --abort &&
	warm_same computed -s
'

test_lazy_prereq TTY 'script -qec true /dev/null >/dev/null'

test_expect_success TTY 'a terminal on standard output: colors, as git paints them' '
	cd repo &&
	echo colored >>a &&
	TERM=xterm script -qec "git status" /dev/null >../expect &&
	rm -f "$TRASH_DIRECTORY/trace" &&
	TERM=xterm GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
		script -qec "git fswatch-status" /dev/null >../actual &&
	test_cmp ../expect ../actual &&
	trace_has "$TRASH_DIRECTORY/trace" status.warm &&
	printf "\033\\[31m" >../red &&
	grep "$(cat ../red)" ../actual &&
	TERM=xterm script -qec "git status -s" /dev/null >../expect &&
	TERM=xterm script -qec "git fswatch-status -s" /dev/null >../actual &&
	test_cmp ../expect ../actual &&
	warm_same "" -s &&
	! grep "$(cat ../red)" "$TRASH_DIRECTORY/actual.out"
'

test_expect_success 'under git'"'"'s pager (GIT_PAGER_IN_USE), colors too' '
	cd repo &&
	(
		TERM=xterm GIT_PAGER_IN_USE=1 &&
		export TERM GIT_PAGER_IN_USE &&
		warm_same ""
	) &&
	printf "\033\\[31m" >../red &&
	grep "$(cat ../red)" "$TRASH_DIRECTORY/actual.out" &&
	TERM=xterm GIT_PAGER_IN_USE=1 git -c color.pager=false fswatch-status >../actual &&
	TERM=xterm GIT_PAGER_IN_USE=1 git -c color.pager=false status >../expect &&
	test_cmp ../expect ../actual &&
	! grep "$(cat ../red)" ../actual
'

test_expect_success 'not warm: the helper off, another index, inside the git dir' '
	cd repo &&
	git -c core.fswatchHelper= status -s >../expect &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" git -c core.fswatchHelper= fswatch-status -s >../actual &&
	test_cmp ../expect ../actual &&
	trace_has "$TRASH_DIRECTORY/trace" status.not-warm code=helper &&
	rm "$TRASH_DIRECTORY/trace" &&
	cp .git/index "$TRASH_DIRECTORY/other-index" &&
	GIT_INDEX_FILE="$TRASH_DIRECTORY/other-index" git status -s >../expect &&
	GIT_INDEX_FILE="$TRASH_DIRECTORY/other-index" GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
		git fswatch-status -s >../actual &&
	test_cmp ../expect ../actual &&
	trace_lacks "$TRASH_DIRECTORY/trace" status.warm &&
	cd .git/refs &&
	not_warm ""
'

test_expect_success 'a client with another HOME: its own global config and excludes, warm' '
	cd repo &&
	echo only-here >homeless.txt &&
	warm_same "" -s &&
	grep homeless.txt "$TRASH_DIRECTORY/actual.out" &&
	mkdir -p ../other-home &&
	echo "homeless.*" >../other-home/ignore &&
	printf "[core]\n\texcludesFile = %s\n" "$TRASH_DIRECTORY/other-home/ignore" \
		>../other-home/.gitconfig &&
	(
		HOME="$TRASH_DIRECTORY/other-home" &&
		export HOME &&
		warm_same "" -s &&
		! grep homeless.txt "$TRASH_DIRECTORY/actual.out"
	) &&
	warm_same "" -s &&
	grep homeless.txt "$TRASH_DIRECTORY/actual.out" &&
	rm homeless.txt
'

test_expect_success 'a daemon killed with SIGKILL: right answers, then warm again' '
	cd repo &&
	warm_same "" -s &&
	pid=$(notify_pid) &&
	kill -9 $pid &&
	wait_for_exit $pid &&
	echo after-kill >>b &&
	not_warm "" -s &&
	echo more >>b &&
	warm_same computed -s &&
	warm_same "from memory" -s &&
	warm_same computed
'
# Last: for two seconds after these files change, answers are computed
# each time (a file rewritten within one timestamp tick could look the same).
test_expect_success 'global config and an excludes file outside the git dir' '
	cd repo &&
	echo ignored-globally >glob.tmp &&
	warm_same "" -s &&
	echo "*.tmp" >"$HOME/global-ignore" &&
	git config --global core.excludesFile "$HOME/global-ignore" &&
	warm_same computed -s &&
	echo "glob.*" >"$HOME/global-ignore" &&
	warm_same computed -s &&
	git config --global status.short true &&
	warm_same computed &&
	git config --global --unset status.short &&
	warm_same computed
'

test_done
