#!/bin/sh

test_description='crashes: SIGKILL at random moments

The daemon killed with SIGKILL in the middle of its start (its crawl), in
the middle of answering, and git fswatch-status killed while it computes
(and may write its state file): every answer afterwards is exact, a new
daemon takes over, no two serve at once, and what a killed one leaves
behind (a socket, cookies, a half-written state file) is not trusted.
GIT_FSWATCH_TEST_SEED replays a run.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

crash () {
	"$PYTHON" "$TEST_DIRECTORY/lib-reliability.py" "$1" "$(pwd)/w" "$2" \
		"$GIT_FSWATCH_TEST_SEED" >crash.out 2>&1
	ret=$?
	cat crash.out
	return $ret
}

test_expect_success INOTIFY,PYGIT2 'setup: 1000 directories, the helper and the hook on' '
	git init -q -b main w &&
	make_files w/dirs 1000 1 &&
	echo 0 >w/tracked &&
	git -C w add . &&
	git -C w commit -q -m dirs &&
	git -C w fswatch-notify enable &&
	git -C w config core.fswatchHelper "notify --timeout=300"
'

test_expect_success INOTIFY,PYGIT2 'killed at random moments of its start: exact, and one daemon after' '
	crash kill-crawl 6 &&
	grep "0 wrong answers" crash.out &&
	! grep "(0 before the daemon was ready" crash.out
'

test_expect_success INOTIFY,PYGIT2 'killed at random moments while answering: every answer exact' '
	git -C w fswatch-notify start &&
	crash kill-query 8 &&
	grep "0 wrong answers" crash.out
'

test_expect_success INOTIFY,PYGIT2 'git fswatch-status killed at random moments: the next answer is exact' '
	crash kill-status 8 &&
	grep "0 wrong answers" crash.out &&
	: a whole state file, or none, is what a rename leaves &&
	if test -f w/.git/fswatch/status.cache
	then
		(cd w && "$PYTHON" -c "
import sys
sys.path.insert(0, sys.argv[1])
from git_fswatch.status import cache
assert cache.decode(open(\".git/fswatch/status.cache\", \"rb\").read()) is not None
" "$SRC_DIR")
	fi
'

test_expect_success INOTIFY,PYGIT2 'a state file cut anywhere is never trusted' '
	git -C w fswatch-notify start &&
	echo cut >>w/dirs/d000/f000 &&
	status_exact w &&
	test -s w/.git/fswatch/status.cache &&
	cp w/.git/fswatch/status.cache whole &&
	size=$(wc -c <whole) &&
	for n in 0 10 $((size / 2)) $((size - 3)) $((size - 1))
	do
		head -c $n whole >w/.git/fswatch/status.cache &&
		echo $n >>w/dirs/d001/f000 &&
		GIT_FSWATCH_TEST_NO_WARM=1 GIT_CEILING_DIRECTORIES=/nonexistent status_exact w || return 1
	done
'

test_expect_success INOTIFY 'clients waiting on a daemon that is killed get no paths' '
	git -C w fswatch-notify exit &&
	GIT_FSWATCH_TEST_LOSE_COOKIES=1 git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	token=$(fresh_token w) &&
	echo waited >>w/tracked &&
	printf "token=%s\\000" "$token" >in &&
	for i in $(test_seq 1 8)
	do
		{ git -C w fswatch-notify get <in >waiter.$i 2>waiter.$i.err; echo $? >waiter.$i.code; } &
	done &&
	: the sync timeout is 2 s: kill them all before it &&
	kill -9 "$pid" &&
	wait &&
	for i in $(test_seq 1 8)
	do
		! grep -a "path=" waiter.$i || return 1
	done &&
	wait_for_exit "$pid" &&
	test -S w/.git/fswatch/notify.sock &&
	status_exact w &&
	test "$(notify_pid w)" != "$pid" &&
	ls w/.git/fswatch/cookies >cookies &&
	test_must_be_empty cookies
'

test_done
