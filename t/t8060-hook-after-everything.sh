#!/bin/sh

test_description='the hook and git untracked cache: nothing stale after "/" or "dir/"

When the daemon cannot say what changed (it was killed, it exited, its
queue overflowed, it is still starting) the hook answers "/".  git 2.39
takes that answer in commands that never look for untracked files (reset,
diff, add <path>), writes the new token, and would then trust its untracked
cache for directories nobody looked at: untracked files made meanwhile
would be missing from the next git status.  Each case: untracked files
made while the daemon cannot see them, a command that does not look for
untracked files, then git status must be exact (found by make soak).
Likewise a directory reported as "dir/" (replaced, moved in): git must look
at it and everything below it again (found by t5010).'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

test_expect_success INOTIFY,PYGIT2 'setup: the hook and the untracked cache on, status warm' '
	git init -q -b main w &&
	mkdir -p w/a/b w/c &&
	echo 1 >w/a/b/f && echo 2 >w/c/g && echo 3 >w/top &&
	git -C w add . &&
	git -C w commit -q -m initial &&
	echo u >w/a/untracked &&
	git -C w fswatch-notify enable &&
	git -C w fswatch-notify start &&
	status_exact w &&
	status_exact w -uall
'

test_expect_success INOTIFY,PYGIT2 'killed with SIGKILL, new untracked files, git reset --hard, then status' '
	pid=$(notify_pid w) &&
	kill -9 "$pid" &&
	wait_for_exit "$pid" &&
	mkdir -p w/a/b/new/deeper &&
	echo n >w/a/b/new/deeper/file &&
	echo n >w/c/new-file &&
	git -C w reset -q --hard &&
	status_exact w &&
	status_exact w -uall &&
	git -C w status --porcelain >actual &&
	grep "^?? a/b/new/\$" actual
'

test_expect_success INOTIFY,PYGIT2 'the daemon exited, a new untracked directory, git diff, then status' '
	git -C w fswatch-notify exit &&
	mkdir w/c/d2 && echo x >w/c/d2/x &&
	rm w/a/untracked &&
	git -C w diff --stat >/dev/null &&
	status_exact w &&
	status_exact w -uall
'

test_expect_success INOTIFY,PYGIT2 'the queue overflowed, untracked files, git add <path>, then status' '
	git -C w fswatch-notify start &&
	status_exact w &&
	pid=$(notify_pid w) &&
	limit=$(cat /proc/sys/fs/inotify/max_queued_events) &&
	mkdir w/storm &&
	token=$(fresh_token w) &&
	kill -STOP "$pid" &&
	test_when_finished "kill -CONT $pid" &&
	(cd w/storm && test_seq 1 $((limit / 2 + 100)) | xargs touch) &&
	mkdir w/a/b/during && echo d >w/a/b/during/file &&
	kill -CONT "$pid" &&
	echo 4 >w/top &&
	git -C w add top &&
	test "$(stat_of w overflows)" -ge 1 &&
	status_exact w &&
	rm -r w/storm &&
	status_exact w -uall
'

test_expect_success INOTIFY,PYGIT2 'the daemon still starting: "/", then a reset, then status' '
	git -C w fswatch-notify exit &&
	mkdir w/c/while-starting && echo s >w/c/while-starting/s &&
	GIT_FSWATCH_TEST_SPAWN_WAIT=0.001 git -C w reset -q --hard &&
	echo more >w/c/while-starting/t &&
	git -C w diff --stat >/dev/null &&
	status_exact w &&
	status_exact w -uall
'

# The same trap without any "/": a directory reported as "dir/" makes git
# look again at its parent only.
test_expect_success INOTIFY,PYGIT2 'a directory moved where git remembers an empty one: its files are seen' '
	git -C w fswatch-notify start &&
	mkdir -p "w/c/f g" w/a/n1/m1 &&
	echo f >w/a/n1/m1/f &&
	status_exact w &&
	status_exact w &&
	rmdir "w/c/f g" &&
	mv w/a/n1 "w/c/f g" &&
	status_exact w &&
	git -C w status --porcelain -uall >actual &&
	grep "^?? \"c/f g/m1/f\"\$" actual &&
	mkdir -p w/a/b/z &&
	status_exact w &&
	mkdir -p elsewhere/z &&
	echo o >elsewhere/z/other &&
	rm -r w/a/b &&
	mv elsewhere w/a/b &&
	status_exact w
'

test_done
