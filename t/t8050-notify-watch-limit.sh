#!/bin/sh

test_description='inotify watches run out

Through the test seam GIT_FSWATCH_TEST_MAX_WATCHES (the machine sysctl is
left alone): out of watches at start, and out of watches later when new
directories appear.  The helper says so, naming fs.inotify.max_user_watches;
no answer carries paths it cannot vouch for; git fswatch-status and git
status through the hook fall back to full scans and stay exact; once
watches are available again a daemon serves.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

test_expect_success INOTIFY,PYGIT2 'setup: 20 directories, the helper and the hook on' '
	git init -q -b main w &&
	make_files w/dirs 20 5 &&
	git -C w add . &&
	git -C w commit -q -m dirs &&
	git -C w fswatch-notify enable &&
	git -C w config core.fswatchHelper "notify --timeout=300"
'

test_expect_success INOTIFY,PYGIT2 'too few watches at start: declined, said, and every status exact' '
	GIT_FSWATCH_TEST_MAX_WATCHES=10 &&
	export GIT_FSWATCH_TEST_MAX_WATCHES &&
	test_when_finished "unset GIT_FSWATCH_TEST_MAX_WATCHES" &&
	test_expect_code 1 git -C w fswatch-notify get </dev/null >out 2>err &&
	grep "^error: inotify watch limit reached (fs.inotify.max_user_watches=10)" err &&
	grep "sysctl fs.inotify.max_user_watches=" err &&
	test_must_be_empty out &&
	echo change >>w/dirs/d003/f001 && >w/dirs/d004/new &&
	status_exact w &&
	grep "max_user_watches" se.trace &&
	: git status above ran the hook, which said why once: forget that &&
	rm -f w/.git/fswatch/notify.declined.told &&
	test_expect_code 1 git -C w fswatch-notify hook 2 "x:1" >out 2>err &&
	grep "^error: fswatch hook: .*max_user_watches" err &&
	test_expect_code 1 git -C w fswatch-notify status &&
	rm w/dirs/d004/new && git -C w checkout -q -- dirs
'

test_expect_success INOTIFY,PYGIT2 'watches run out while it runs: it stops vouching, leaves, and says why after' '
	GIT_FSWATCH_TEST_MAX_WATCHES=30 &&
	export GIT_FSWATCH_TEST_MAX_WATCHES &&
	test_when_finished "unset GIT_FSWATCH_TEST_MAX_WATCHES" &&
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	status_exact w &&
	token=$(fresh_token w) &&
	make_files w/more 12 3 &&
	echo change >>w/dirs/d000/f000 &&
	{
		printf "token=%s\\000" "$token" >in &&
		git -C w fswatch-notify get <in >out 2>err
		echo $? >code
	} &&
	! grep -a "path=" out &&
	wait_for_exit "$pid" &&
	status_exact w &&
	status_exact w -uall &&
	test_expect_code 1 git -C w fswatch-notify get </dev/null 2>err &&
	grep "fs.inotify.max_user_watches=30" err &&
	echo again >>w/more/d011/f002 &&
	status_exact w -uall
'

test_expect_success INOTIFY,PYGIT2 'with watches to spare again, a daemon serves and answers exactly' '
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	test -n "$pid" &&
	token=$(fresh_token w) &&
	echo edit >>w/more/d005/f000 &&
	answer w "$token" actual &&
	echo path=more/d005/f000 >expect &&
	test_cmp expect actual &&
	status_exact w -uall &&
	test "$(notify_pid w)" = "$pid"
'

test_done
