#!/bin/sh

test_description='crowds: many clients at once, racing spawns

Rounds of 24 and 32 clients at once - git fswatch-status, git status
through the hook and git fswatch-notify get with a token - against a
running daemon and racing to start one: every client gets the right
answer and exactly one daemon serves afterwards.  GIT_FSWATCH_TEST_SEED
replays a run.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

crowd () {
	"$PYTHON" "$TEST_DIRECTORY/lib-reliability.py" crowd "$(pwd)/w" "$1" \
		"$GIT_FSWATCH_TEST_SEED" >crowd.out 2>&1
	ret=$?
	cat crowd.out
	return $ret
}

test_expect_success INOTIFY,PYGIT2 'setup: the helper and the hook on' '
	git init -q -b main w &&
	make_files w/dirs 50 20 &&
	echo 0 >w/tracked &&
	git -C w add . &&
	git -C w commit -q -m dirs &&
	git -C w fswatch-notify enable &&
	git -C w config core.fswatchHelper "notify --timeout=300"
'

test_expect_success INOTIFY,PYGIT2 'no status computation asks the hook (in the daemon it would wait on itself)' '
	git -C w fswatch-notify start &&
	echo 1 >w/tracked &&
	GIT_TRACE="$(pwd)/git.trace" git -C w fswatch-status >out &&
	grep "fswatch-status" git.trace &&
	! grep "run_command:.*fswatch-notify hook" git.trace &&
	echo 2 >w/tracked &&
	GIT_TRACE="$(pwd)/git.trace2" git -C w fswatch-status >out &&
	! grep "run_command:.*fswatch-notify hook" git.trace2 &&
	git -C w checkout -q -- tracked
'

for n in 24 32 32 32
do
	test_expect_success INOTIFY,PYGIT2 "a crowd of $n clients: all exact, one daemon" "
		crowd $n &&
		grep '0 wrong answers' crowd.out
	"
done

test_expect_success INOTIFY 'forty racing starts leave exactly one daemon' '
	git -C w fswatch-notify exit &&
	for i in $(test_seq 1 40)
	do
		git -C w fswatch-notify start >/dev/null 2>&1 &
	done &&
	wait &&
	daemons_in "$(pwd)/w" >pids &&
	test_line_count = 1 pids &&
	notify_pid w >expect &&
	test_cmp expect pids
'

test_done
