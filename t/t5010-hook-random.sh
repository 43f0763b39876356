#!/bin/sh

test_description='git fswatch-notify hook: randomised differential test

Random changes to a worktree (writes, same-size rewrites, deletes, renames
of files and directories, modes, symlinks, ignore rules, adds, commits,
resets, checkouts); after each round git status with the hook must print
what it prints without.  GIT_FSWATCH_TEST_SEED replays a failing run;
GIT_FSWATCH_TEST_HOOK_SECONDS changes the time it runs (default 40).'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

test_expect_success 'setup' '
	git init -q -b main w &&
	(
		cd w &&
		mkdir -p x/y &&
		echo 1 >a && echo 2 >x/b && echo 3 >x/y/c &&
		git add . &&
		git commit -q -m initial
	) &&
	git -C w fswatch-notify enable &&
	git -C w fswatch-notify start
'

test_expect_success 'random changes: git status agrees with and without the hook' '
	if ! "$PYTHON" "$TEST_DIRECTORY/lib-hook-random.py" "$(pwd)/w" \
		"${GIT_FSWATCH_TEST_HOOK_SECONDS:-40}" 400 "$GIT_FSWATCH_TEST_SEED" >out
	then
		cat out && false
	fi &&
	cat out &&
	grep "no difference" out
'

test_expect_success 'the hook answered from the journal, not always everything' '
	git -C w fswatch-notify status >status &&
	grep "^requests: [0-9][0-9]*" status &&
	echo one-more >w/zz-final &&
	: the status of the last round was written to the index, with its token &&
	GIT_TRACE_FSMONITOR="$(pwd)/trace" git -C w status --short >/dev/null &&
	grep "fsmonitor_refresh_callback .zz-final." trace &&
	! grep "fsmonitor_refresh_callback ./." trace
'

test_done
