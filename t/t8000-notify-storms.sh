#!/bin/sh

test_description='event storms: status stays exact

More files created, rewritten and deleted in one burst than the kernel
queues (fs.inotify.max_queued_events), with the daemon stopped so that the
queue overflows for sure and again with the daemon reading all along; a
directory of thousands of files renamed, and edited below its new name; git
checkout between trees that differ in tens of thousands of files.  After
each, git fswatch-status and git status through the hook print exactly what
git status prints without either, and an overflow shows in the stats.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

limit=$(cat /proc/sys/fs/inotify/max_queued_events 2>/dev/null)

test_expect_success INOTIFY,PYGIT2 'setup: 2000 tracked files, the helper and the hook on' '
	test -n "$limit" &&
	git init -q -b main w &&
	make_files w/tracked 20 100 &&
	echo "*.o" >w/.gitignore &&
	git -C w add . &&
	git -C w commit -q -m tracked &&
	git -C w fswatch-notify enable &&
	git -C w config core.fswatchHelper "notify --timeout=300" &&
	git -C w fswatch-notify start &&
	status_exact w &&
	status_exact w
'

test_expect_success INOTIFY,PYGIT2 'a burst past max_queued_events while the daemon is stopped: overflow, exact status' '
	pid=$(notify_pid w) &&
	test -n "$pid" &&
	: the directories are watched before the storm, or it makes no events &&
	make_files w/burst $((limit / 1000 + 1)) 0 &&
	token=$(fresh_token w) &&
	test "$(stat_of w overflows)" = 0 &&
	kill -STOP "$pid" &&
	test_when_finished "kill -CONT $pid" &&
	: every created file costs at least two events, so this is 2x the queue &&
	make_files w/burst $((limit / 1000 + 1)) 1000 &&
	make_files w/tracked 10 100 " rewritten" &&
	rm -r w/tracked/d015 w/tracked/d016 &&
	: a file made ignored and a new ignored one &&
	>w/burst/d000/x.o &&
	kill -CONT "$pid" &&
	answer w "$token" actual &&
	echo everything=overflow >expect &&
	test_cmp expect actual &&
	test "$(stat_of w overflows)" -ge 1 &&
	status_exact w &&
	status_exact w -uall --ignored &&
	: after the overflow the journal answers exactly again &&
	token=$(fresh_token w) &&
	echo again >>w/burst/d003/f007 &&
	answer w "$token" actual &&
	echo path=burst/d003/f007 >expect &&
	test_cmp expect actual &&
	status_exact w
'

test_expect_success INOTIFY,PYGIT2 'the same storm with the daemon reading: exact, overflow or not' '
	overflows=$(stat_of w overflows) &&
	rm -r w/burst &&
	make_files w/burst2 $((limit / 1000 + 1)) 0 &&
	token=$(fresh_token w) &&
	make_files w/burst2 $((limit / 1000 + 1)) 1000 &&
	make_files w/tracked 20 100 " again" &&
	answer w "$token" actual &&
	if grep "^everything=" actual
	then
		test "$(stat_of w overflows)" -gt "$overflows"
	else
		grep -x "path=burst2/d016/f999" actual &&
		grep -x "path=tracked/d019/f099" actual
	fi &&
	status_exact w &&
	status_exact w -uall &&
	echo "storm of $(( (limit / 1000 + 1) * 2000 + 2000 )) files created or deleted and 2000 rewritten; overflows $(stat_of w overflows)"
'

test_expect_success INOTIFY,PYGIT2 'a directory of 3000 files renamed, then edited below its new name' '
	rm -r w/burst2 &&
	make_files w/big 30 100 &&
	git -C w add big &&
	git -C w commit -q -m big &&
	status_exact w &&
	token=$(fresh_token w) &&
	mv w/big w/renamed &&
	answer w "$token" actual &&
	grep -x "path=big/" actual &&
	grep -x "path=renamed/" actual &&
	status_exact w &&
	: the watches below moved with it: an edit deep inside is seen by name &&
	token=$(fresh_token w) &&
	echo edited >>w/renamed/d017/f042 &&
	mkdir w/renamed/d029/new &&
	echo n >w/renamed/d029/new/file &&
	answer w "$token" actual &&
	grep -x "path=renamed/d017/f042" actual &&
	grep -x "path=renamed/d029/new/" actual &&
	! grep "^path=big" actual &&
	status_exact w &&
	: and back, with a change in the same burst &&
	mv w/renamed w/big && echo again >>w/big/d000/f000 &&
	status_exact w &&
	git -C w checkout -q -- big &&
	rm -r w/big/d029/new &&
	status_exact w
'

test_expect_success INOTIFY,PYGIT2 'git checkout between trees that differ in 20000 files, both ways' '
	many=$(commit_many w many 200 100) &&
	git -C w branch many "$many" &&
	git -C w checkout -q many &&
	status_exact w &&
	test -f w/many/d199/f099 &&
	echo changed >>w/many/d100/f050 && >w/many/d101/new &&
	status_exact w &&
	git -C w checkout -q -f main &&
	test_path_is_missing w/many/d000 &&
	status_exact w &&
	git -C w checkout -q many &&
	rm w/many/d150/f000 &&
	status_exact w &&
	git -C w checkout -q -f main &&
	git -C w clean -q -fd &&
	status_exact w &&
	echo "checkouts of 20000 files done: 4; overflows $(stat_of w overflows)"
'

test_expect_success INOTIFY 'the daemon that lived through it all is the first one' '
	test "$(notify_pid w)" = "$pid" &&
	test "$(stat_of w crawls)" -ge 2
'

test_done
