#!/bin/sh

test_description='the warm engine computes full scans in a child, and serves meanwhile

A warm answer that needs a full scan is computed in a forked child; the
daemon goes on serving gets, hooks and other status requests, a second
client with the same request waits for the same child, no more than two
children compute at once, a child killed with SIGKILL costs its client
nothing but time (the cold path answers), and the children die with the
daemon.  GIT_FSWATCH_TEST_WARM_CHILD_HOLD makes each child write its pid
to a fifo and wait for a line on another before it starts, so that the
tests catch children at work without sleeping.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-notify.sh"
. "$TEST_DIRECTORY/lib-status.sh"

test_atexit 'exec 7>&- 8>&-; git -C "$TRASH_DIRECTORY/repo" fswatch-notify exit'

HOLD=$TRASH_DIRECTORY/hold

# next_child: the pid of the next child that starts (it waits at the gate);
# fails if none comes within 20 seconds.
next_child () {
	child_pid=$(timeout 20 sh -c 'read -r pid && echo "$pid"' <&8) &&
	test -n "$child_pid" &&
	test -d "/proc/$child_pid"
}

# let_one_go: one waiting child starts computing.
let_one_go () {
	echo go >&7
}

# stat_is <name> <value>: the daemon's status says so.
stat_is () {
	git fswatch-notify status >"$TRASH_DIRECTORY/daemon-status" &&
	grep "^$1: $2\$" "$TRASH_DIRECTORY/daemon-status" >/dev/null || {
		echo >&4 "want $1: $2, the daemon says:" &&
		grep "^$1:" "$TRASH_DIRECTORY/daemon-status" >&4
		return 1
	}
}

# expect_status <file> <args>...: git status <args> into <file>.
expect_status () {
	out=$1 && shift &&
	git --no-optional-locks status "$@" >"$out"
}

test_expect_success INOTIFY 'setup: a repository and a daemon whose children wait at a gate' '
	git init -q -b main repo &&
	(
		cd repo &&
		mkdir -p dir/sub other &&
		for f in a b dir/c dir/sub/d other/e
		do
			echo "$f" >"$f" || exit 1
		done &&
		git add . &&
		git commit -q -m initial &&
		git config core.fswatchHelper notify
	) &&
	mkdir hold &&
	mkfifo hold/pids hold/gate &&
	exec 7<>hold/gate 8<>hold/pids &&
	(
		cd repo &&
		GIT_FSWATCH_TEST_WARM_CHILD_HOLD="$HOLD" git fswatch-notify start &&
		stat_is pid "[0-9]*"
	)
'

test_expect_success INOTIFY 'a full scan in a child: gets, hooks and other requests go on meanwhile' '
	cd repo &&
	echo more >>a &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace1" git fswatch-status >../out1 2>../err1 & } &&
	client1=$! &&
	next_child &&
	stat_is warm-children 1 &&
	printf "" >../empty &&
	git fswatch-notify get <../empty >../get.out &&
	get_token ../get.out >../token &&
	test -s ../token &&
	git fswatch-notify hook 2 "$(cat ../token)" >../hook.out &&
	test -s ../hook.out &&
	: the same request again waits for the same child &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace2" git fswatch-status >../out2 2>../err2 & } &&
	client2=$! &&
	git fswatch-notify get <../empty >../get.out &&
	let_one_go &&
	wait $client1 &&
	wait $client2 &&
	expect_status ../expect &&
	test_cmp ../expect ../out1 &&
	test_cmp ../expect ../out2 &&
	test_must_be_empty ../err1 &&
	test_must_be_empty ../err2 &&
	trace_has ../trace1 status.warm "how=computed apart" &&
	trace_has ../trace2 status.warm &&
	stat_is warm-children 0 &&
	stat_is warm-children-forked 1
'

test_expect_success INOTIFY 'an edit after the full scan: computed here, no child' '
	cd repo &&
	echo again >>b &&
	status_is_git_status -s &&
	trace_has ../trace status.warm how=computed &&
	stat_is warm-children-forked 1
'

test_expect_success INOTIFY 'info/exclude changed: the full scan it needs is computed apart too' '
	cd repo &&
	echo "*.tmp" >>.git/info/exclude &&
	echo t >x.tmp &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace5" git fswatch-status -s >../out5 & } &&
	client=$! &&
	next_child &&
	let_one_go &&
	wait $client &&
	expect_status ../expect -s &&
	test_cmp ../expect ../out5 &&
	trace_has ../trace5 status.warm "how=computed apart"
'

test_expect_success INOTIFY 'changes in many directories are examined apart too' '
	cd repo &&
	for i in $(test_seq 1 510)
	do
		mkdir "many$i" && echo "$i" >"many$i/f" || return 1
	done &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace7" git fswatch-status -s -uall >../out7 & } &&
	client=$! &&
	next_child &&
	let_one_go &&
	wait $client &&
	expect_status ../expect -s -uall &&
	test_cmp ../expect ../out7 &&
	trace_has ../trace7 status.warm "how=computed apart" &&
	: 510 directories gone are as many changes &&
	rm -r many* &&
	{ git fswatch-status -s -uall >../out7 & } &&
	client=$! &&
	next_child &&
	let_one_go &&
	wait $client &&
	expect_status ../expect -s -uall &&
	test_cmp ../expect ../out7 &&
	: a few, and it is computed in the daemon again &&
	echo t >>a &&
	status_is_git_status -s -uall &&
	trace_has ../trace status.warm how=computed
'

test_expect_success INOTIFY 'a child killed with SIGKILL: its client answers cold, rightly' '
	cd repo &&
	git add a &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace3" git fswatch-status -s >../out3 2>../err3 & } &&
	client=$! &&
	next_child &&
	kill -9 "$child_pid" &&
	wait $client &&
	expect_status ../expect -s &&
	test_cmp ../expect ../out3 &&
	test_must_be_empty ../err3 &&
	trace_has ../trace3 status.not-warm code=warm-child "why~killed by signal 9" &&
	stat_is warm-children 0 &&
	stat_is warm-children-failed 1 &&
	: and the daemon still computes warm &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace3" git fswatch-status -s >../out3 & } &&
	client=$! &&
	next_child &&
	let_one_go &&
	wait $client &&
	test_cmp ../expect ../out3 &&
	trace_has ../trace3 status.warm "how=computed apart"
'

test_expect_success INOTIFY 'two children at most; a third full scan waits for one' '
	cd repo &&
	git reset -q &&
	echo new >dir/new &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace-s" git fswatch-status -s >../out-s & } &&
	c1=$! &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace-all" git fswatch-status -s -uall >../out-all & } &&
	c2=$! &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace-ign" git fswatch-status -s --ignored >../out-ign & } &&
	c3=$! &&
	next_child &&
	next_child &&
	stat_is warm-children 2 &&
	let_one_go &&
	let_one_go &&
	: the third starts once one of the first two has ended &&
	next_child &&
	let_one_go &&
	wait $c1 && wait $c2 && wait $c3 &&
	expect_status ../expect -s &&
	test_cmp ../expect ../out-s &&
	expect_status ../expect -s -uall &&
	test_cmp ../expect ../out-all &&
	expect_status ../expect -s --ignored &&
	test_cmp ../expect ../out-ign &&
	for t in ../trace-s ../trace-all ../trace-ign
	do
		trace_has $t status.warm "how=computed apart" || return 1
	done &&
	stat_is warm-children 0
'

test_expect_success INOTIFY 'a client gone while its child computes: the child'"'"'s work is kept' '
	cd repo &&
	git add dir/new &&
	git fswatch-notify status >../before &&
	forked=$(sed -n "s/^warm-children-forked: //p" ../before) &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace6" git-fswatch-status -s >../out6 & } &&
	client=$! &&
	next_child &&
	kill -9 $client &&
	test_expect_code 137 wait $client &&
	let_one_go &&
	: the same request computes from the cache the child left, or waits for it &&
	status_is_git_status -s &&
	trace_has ../trace status.warm how=computed &&
	stat_is warm-children-forked $((forked + 1)) &&
	stat_is warm-children-failed 1 &&
	git reset -q
'

test_expect_success INOTIFY 'the daemon exits: its children go with it' '
	cd repo &&
	git add dir/new &&
	{ GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace4" git fswatch-status -s >../out4 2>../err4 & } &&
	client=$! &&
	next_child &&
	held=$child_pid &&
	pid=$(notify_pid) &&
	git fswatch-notify exit &&
	wait_for_exit "$pid" &&
	wait_for_exit "$held" &&
	wait $client &&
	expect_status ../expect -s &&
	test_cmp ../expect ../out4
'

test_expect_success INOTIFY 'the daemon killed with SIGKILL: its children die too' '
	cd repo &&
	: the cold answer of the last test started a daemon without the gate &&
	git fswatch-notify exit &&
	GIT_FSWATCH_TEST_WARM_CHILD_HOLD="$HOLD" git fswatch-notify start &&
	pid=$(notify_pid) &&
	git reset -q &&
	{ git fswatch-status -s >../out5 2>../err5 & } &&
	client=$! &&
	next_child &&
	held=$child_pid &&
	kill -9 "$pid" &&
	wait_for_exit "$pid" &&
	wait_for_exit "$held" &&
	wait $client &&
	expect_status ../expect -s &&
	test_cmp ../expect ../out5 &&
	: the next daemon takes the lock: the child did not keep it &&
	git fswatch-notify start &&
	test "$(notify_pid)" != "$pid" &&
	status_is_git_status -s &&
	trace_has ../trace status.warm
'

test_done
