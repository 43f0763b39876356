#!/bin/sh

test_description='git -C w fswatch-notify: the life of a daemon

Started by the first get, never by status or exit; one per worktree even
when sixteen clients race to start it; stops on exit, SIGTERM and idle
timeout without leaving its socket; a daemon killed with SIGKILL leaves a
stale socket that the next one replaces.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

# The daemon watches w/; the tests keep their scratch files outside it.
test_expect_success 'setup' '
	git init -q w &&
	(cd w && test_commit one) &&
	git -C w config core.fswatchHelper notify
'

test_expect_success '-h shows the usage and exits 129' '
	test_expect_code 129 git -C w fswatch-notify -h >out &&
	grep "^usage: git fswatch-notify" out
'

test_expect_success 'bad usage exits 129 with an error' '
	test_expect_code 129 git -C w fswatch-notify 2>err &&
	grep "^error: no action given" err &&
	test_expect_code 129 git -C w fswatch-notify frobnicate 2>err &&
	grep "^error: unknown action .frobnicate." err &&
	test_expect_code 129 git -C w fswatch-notify --timeout=0 get 2>err &&
	grep "^error: --timeout wants a positive number" err &&
	test_expect_code 129 git -C w fswatch-notify --bogus get 2>err &&
	grep "^error: unknown option .bogus." err &&
	test_expect_code 129 git -C w fswatch-notify listdir 2>err &&
	grep "^error: .listdir. takes one directory" err
'

test_expect_success 'outside a repository: fatal, 128' '
	mkdir -p nowhere &&
	(
		GIT_CEILING_DIRECTORIES=$(pwd) &&
		export GIT_CEILING_DIRECTORIES &&
		cd nowhere &&
		test_expect_code 128 git fswatch-notify status 2>../err
	) &&
	grep "^fatal: not a git repository" err
'

test_expect_success 'status and exit do not start a daemon' '
	test_expect_code 1 git -C w fswatch-notify status >out &&
	echo "no daemon running" >expect &&
	test_cmp expect out &&
	git -C w fswatch-notify exit &&
	test_path_is_missing w/.git/fswatch/notify.sock &&
	daemons_in "$(pwd)/w" >pids &&
	test_must_be_empty pids
'

test_expect_success 'the first get starts the daemon and answers everything=fresh' '
	git -C w fswatch-notify get </dev/null >out &&
	records out >lines &&
	sed -n 1p lines >actual &&
	echo version=1 >expect &&
	test_cmp expect actual &&
	grep "^token=[0-9a-f]*:[0-9]*\$" lines &&
	grep "^everything=fresh\$" lines &&
	test -S w/.git/fswatch/notify.sock &&
	pid=$(notify_pid w) &&
	test -n "$pid" &&
	daemons_in "$(pwd)/w" >pids &&
	echo "$pid" >expect &&
	test_cmp expect pids
'

test_expect_success 'the private directory and the socket are ours alone' '
	stat -c %a w/.git/fswatch >mode &&
	echo 700 >expect &&
	test_cmp expect mode
'

test_expect_success 'a get with the token answers what changed since' '
	git -C w fswatch-notify get </dev/null >out &&
	token=$(get_token out) &&
	echo changed >>w/one.t &&
	mkdir w/newdir &&
	printf "token=%s\\0" "$token" >in &&
	git -C w fswatch-notify get <in >out &&
	records out >actual &&
	token2=$(get_token out) &&
	printf "%s\n" version=1 "token=$token2" path=one.t path=newdir/ "" >expect &&
	test_cmp expect actual &&
	test "$token" != "$token2"
'

test_expect_success 'status reports the daemon at work' '
	git -C w fswatch-notify status >out &&
	grep "^pid: $(cat /dev/null)[0-9][0-9]*\$" out &&
	grep "^uptime: [0-9][0-9]*\$" out &&
	grep "^instance: [0-9a-f][0-9a-f]*\$" out &&
	grep "^watched-directories: 2\$" out &&
	grep "^events-seen: [1-9]" out &&
	grep "^overflows: 0\$" out &&
	grep "^files-known: [1-9]" out
'

test_expect_success 'exit stops it and the socket is gone when exit returns' '
	pid=$(notify_pid w) &&
	git -C w fswatch-notify exit &&
	test_path_is_missing w/.git/fswatch/notify.sock &&
	wait_for_exit "$pid" &&
	test_expect_code 1 git -C w fswatch-notify status
'

test_expect_success 'a token of an earlier daemon answers everything' '
	git -C w fswatch-notify get </dev/null >out &&
	token=$(get_token out) &&
	git -C w fswatch-notify exit &&
	printf "token=%s\\0" "$token" >in &&
	git -C w fswatch-notify get <in >out &&
	records out >lines &&
	grep "^everything=unknown-token\$" lines &&
	! grep "^token=$token\$" lines
'

test_expect_success 'SIGTERM: the daemon exits and removes its socket' '
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	kill -TERM "$pid" &&
	wait_for_exit "$pid" &&
	test_path_is_missing w/.git/fswatch/notify.sock
'

test_expect_success 'kill -9 leaves a stale socket; the next get replaces it' '
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	git -C w fswatch-notify get </dev/null >out &&
	token=$(get_token out) &&
	kill -9 "$pid" &&
	wait_for_exit "$pid" &&
	test -S w/.git/fswatch/notify.sock &&
	test_expect_code 1 git -C w fswatch-notify status &&
	printf "token=%s\\0" "$token" >in &&
	git -C w fswatch-notify get <in >out &&
	records out >lines &&
	grep "^everything=unknown-token\$" lines &&
	pid2=$(notify_pid w) &&
	test "$pid" != "$pid2"
'

test_expect_success 'a file in place of the socket is replaced too' '
	git -C w fswatch-notify exit &&
	echo junk >w/.git/fswatch/notify.sock &&
	git -C w fswatch-notify get </dev/null >out &&
	records out >lines &&
	grep "^everything=fresh\$" lines &&
	test -S w/.git/fswatch/notify.sock
'

test_expect_success 'a daemon whose socket is removed exits' '
	git -C w fswatch-notify exit &&
	GIT_FSWATCH_TEST_SELF_CHECK=0.2 git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	rm w/.git/fswatch/notify.sock &&
	wait_for_exit "$pid"
'

test_expect_success 'a cookie that never comes: the answer is everything=sync-timeout' '
	GIT_FSWATCH_TEST_LOSE_COOKIES=1 git -C w fswatch-notify start &&
	test_when_finished "git -C w fswatch-notify exit" &&
	git -C w fswatch-notify get </dev/null >out &&
	records out >lines &&
	grep "^everything=sync-timeout\$" lines &&
	token=$(get_token out) &&
	test -n "$token" &&
	printf "token=%s\\0" "$token" >in &&
	git -C w fswatch-notify get <in >out &&
	records out >lines &&
	grep "^everything=sync-timeout\$" lines &&
	! grep "^path=" lines &&
	git -C w fswatch-notify status >status &&
	grep "^sync-timeouts: 2\$" status
'

test_expect_success 'sixteen racing clients start exactly one daemon' '
	git -C w fswatch-notify exit &&
	for i in $(test_seq 1 16)
	do
		git -C w fswatch-notify get </dev/null >race.$i &
	done &&
	wait &&
	for i in $(test_seq 1 16)
	do
		get_token race.$i | sed "s/:.*//" || return 1
	done >instances &&
	sort -u instances >distinct &&
	test_line_count = 1 distinct &&
	test_line_count = 16 instances &&
	daemons_in "$(pwd)/w" >pids &&
	test_line_count = 1 pids &&
	notify_pid w >expect &&
	test_cmp expect pids
'

test_expect_success 'idle timeout: a daemon nobody asks exits by itself' '
	git -C w fswatch-notify exit &&
	git -C w fswatch-notify --timeout=1 start &&
	pid=$(notify_pid w) &&
	grep "^idle-timeout: 1\$" status.out &&
	wait_for_exit "$pid" &&
	test_path_is_missing w/.git/fswatch/notify.sock
'

test_expect_success 'daemon runs in the foreground, says ok, exits when told' '
	mkfifo ready &&
	{ (cd w && exec git fswatch-notify daemon >../ready 2>../fg.err) & } &&
	fg=$! &&
	read word <ready &&
	test "$word" = ok &&
	daemons_in "$(pwd)/w" >pids &&
	notify_pid w >expect &&
	test_cmp expect pids &&
	git -C w fswatch-notify exit &&
	wait "$fg" &&
	test_path_is_missing w/.git/fswatch/notify.sock &&
	test_must_be_empty fg.err
'

test_expect_success 'a second foreground daemon leaves the first alone' '
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	git -C w fswatch-notify daemon >out 2>err &&
	test_must_be_empty out &&
	grep "^warning: a daemon already serves this worktree" err &&
	test "$(notify_pid w)" = "$pid" &&
	git -C w fswatch-notify exit
'

test_expect_success 'a linked worktree gets a daemon of its own' '
	git -C w worktree add -q ../linked &&
	test_atexit "git -C linked fswatch-notify exit" &&
	git -C w fswatch-notify start &&
	git -C linked fswatch-notify start &&
	test -S w/.git/worktrees/linked/fswatch/notify.sock &&
	test -S w/.git/fswatch/notify.sock &&
	test "$(notify_pid w)" != "$(notify_pid linked)" &&
	git -C linked fswatch-notify get </dev/null >out &&
	token=$(get_token out) &&
	echo in-linked >linked/new &&
	echo in-main >w/new-main &&
	printf "token=%s\\0" "$token" >in &&
	git -C linked fswatch-notify get <in >out &&
	records out >actual &&
	printf "%s\n" version=1 "token=$(get_token out)" path=new "" >expect &&
	test_cmp expect actual &&
	git -C linked fswatch-notify exit &&
	test -S w/.git/fswatch/notify.sock &&
	rm w/new-main &&
	git -C w fswatch-notify exit
'

test_expect_success 'GIT_FSWATCH_TRACE shows what the daemon does' '
	GIT_FSWATCH_TRACE="$(pwd)/trace" git -C w fswatch-notify start &&
	git -C w fswatch-notify get </dev/null >out &&
	git -C w fswatch-notify exit &&
	grep "daemon: listening" trace &&
	grep "daemon: request get" trace &&
	grep "daemon: exiting: asked to exit" trace
'

test_done
