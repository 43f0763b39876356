#!/bin/sh

test_description='privilege and repository removal

A peer of another uid can do nothing through the socket (not even stop the
daemon); private and cookie directories that others could enter, that
belong to someone else or that are symlinks are refused with a clear
message, never used; the daemon holds nothing outside the repository and
binds its socket nowhere else.  A daemon whose repository is deleted, moved
(also by renaming a directory above it) or whose .git is replaced exits
cleanly, and the next status is exact.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

test_lazy_prereq ROOT '
	test "$(id -u)" = 0
'

test_expect_success 'setup' '
	git init -q -b main w &&
	(cd w && test_commit one) &&
	git -C w config core.fswatchHelper "notify --timeout=120" &&
	git -C w fswatch-notify start
'

# as_nobody <action>...: send each request from uid 65534 over the socket,
# print the replies, one record a line.
as_nobody () {
	(cd w && "$PYTHON" - "$@" <<-\EOF
	import os, socket, sys
	os.setgroups([])
	os.setgid(65534)
	os.setuid(65534)
	for action in sys.argv[1:]:
	    s = socket.socket(socket.AF_UNIX)
	    s.settimeout(20)
	    s.connect(".git/fswatch/notify.sock")
	    try:
	        s.sendall(b"version=1\0action=" + action.encode() + b"\0\0")
	    except (BrokenPipeError, ConnectionResetError):
	        pass
	    got = b""
	    while True:
	        try:
	            chunk = s.recv(4096)
	        except ConnectionResetError:
	            break
	        if not chunk:
	            break
	        got += chunk
	    sys.stdout.write(got.decode("utf-8", "replace").replace("\0", "\n"))
	EOF
	)
}

test_expect_success ROOT 'a peer of another uid can neither ask nor stop the daemon' '
	pid=$(notify_pid w) &&
	test_when_finished "chmod 0700 w/.git/fswatch" &&
	chmod 0711 w/.git/fswatch &&
	chmod 0777 w/.git/fswatch/notify.sock &&
	as_nobody get status fetchall exit >replies &&
	chmod 0700 w/.git/fswatch &&
	grep -c "^error=permission denied: uid 65534" replies >count &&
	echo 4 >expect &&
	test_cmp expect count &&
	! grep -e "^token=" -e "^pid=" -e "^entry=" -e "^ok=" replies &&
	test "$(notify_pid w)" = "$pid" &&
	test -S w/.git/fswatch/notify.sock
'

for mode in 0750 0705 0701 0770
do
	test_expect_success "a private directory of mode $mode is refused" "
		test_when_finished 'chmod 0700 w/.git/fswatch' &&
		chmod $mode w/.git/fswatch &&
		test_expect_code 128 git -C w fswatch-notify get </dev/null >out 2>err &&
		grep '^fatal: the permissions on .*fswatch. are too loose' err &&
		grep 'chmod 0700' err &&
		test_must_be_empty out &&
		: the status falls back and stays exact &&
		git -C w status --porcelain=v2 >expect &&
		git -C w fswatch-status --porcelain=v2 >actual &&
		test_cmp expect actual
	"
done

test_expect_success ROOT 'a private directory of another uid is refused' '
	git init -q theirs &&
	mkdir -m 0700 theirs/.git/fswatch &&
	chown 65534 theirs/.git/fswatch &&
	test_expect_code 128 git -C theirs fswatch-notify get </dev/null 2>err &&
	grep "^fatal: .*fswatch. belongs to uid 65534, not to you" err &&
	test_path_is_missing theirs/.git/fswatch/notify.sock
'

test_expect_success 'a cookie directory others can enter: the daemon declines, clearly' '
	git -C w fswatch-notify exit &&
	test_when_finished "chmod 0700 w/.git/fswatch/cookies" &&
	chmod 0755 w/.git/fswatch/cookies &&
	test_expect_code 1 git -C w fswatch-notify start 2>err &&
	grep "^error: .*cookies. are too loose" err &&
	! grep -i traceback err &&
	test_path_is_missing w/.git/fswatch/notify.sock
'

test_expect_success SYMLINKS 'a symlink in place of the cookie directory: declined, nothing made there' '
	git -C w fswatch-notify exit &&
	test_when_finished "rm -f w/.git/fswatch/cookies && mkdir -m 0700 w/.git/fswatch/cookies" &&
	mkdir -m 0700 elsewhere &&
	rm -rf w/.git/fswatch/cookies &&
	ln -s "$(pwd)/elsewhere" w/.git/fswatch/cookies &&
	test_expect_code 1 git -C w fswatch-notify start 2>err &&
	grep "^error: .*cookies. is not a directory" err &&
	! grep -i traceback err &&
	ls elsewhere >listing &&
	test_must_be_empty listing
'

test_expect_success SYMLINKS 'a symlink in place of the lock: declined, its target untouched' '
	git -C w fswatch-notify exit &&
	test_when_finished "rm -f w/.git/fswatch/notify.lock" &&
	rm -f w/.git/fswatch/notify.lock &&
	ln -s "$(pwd)/lock-target" w/.git/fswatch/notify.lock &&
	test_expect_code 1 git -C w fswatch-notify start 2>err &&
	grep "^error: cannot lock" err &&
	test_path_is_missing lock-target
'

# open_outside <pid> <top>: what process <pid> holds open or has bound
# outside <top>, other than pipes, /dev/null and anonymous inodes.
open_outside () {
	"$PYTHON" - "$1" "$2" <<-\EOF
	import os, sys
	pid, top = sys.argv[1], sys.argv[2]
	bound = {}
	with open("/proc/net/unix") as f:
	    next(f)
	    for line in f:
	        parts = line.rstrip("\n").split(None, 7)
	        if len(parts) == 8:
	            bound[parts[6]] = parts[7]
	for fd in os.listdir("/proc/%s/fd" % pid):
	    try:
	        target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
	    except OSError:
	        continue
	    if target.startswith("socket:["):
	        path = bound.get(target[8:-1])
	        if path is None:
	            continue                      # not bound: a client connection
	        if path.startswith("/proc/self/fd/"):
	            print("bound through a directory fd: " + path)
	            continue
	        target = path
	    if target.startswith(("pipe:", "anon_inode:", "/dev/null")):
	        continue
	    if not (target == top or target.startswith(top + "/")):
	        print(target)
	EOF
}

test_expect_success 'the daemon holds nothing outside its repository, nothing in /tmp' '
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	open_outside "$pid" "$(pwd)/w" >outside &&
	test_must_be_empty outside &&
	long=$(printf "%0120d" 0) &&
	git init -q "$long" &&
	test_when_finished "git -C \"$long\" fswatch-notify exit" &&
	git -C "$long" fswatch-notify start &&
	pid=$(notify_pid "$long") &&
	open_outside "$pid" "$(pwd)/$long" >outside &&
	grep "^bound through a directory fd: /proc/self/fd/[0-9]*/notify.sock\$" outside &&
	test_line_count = 1 outside
'

test_expect_success 'no temporary file anywhere: TMPDIR stays empty through a whole session' '
	git -C w fswatch-notify exit &&
	mkdir tmpdir &&
	TMPDIR="$(pwd)/tmpdir" &&
	export TMPDIR &&
	test_when_finished "unset TMPDIR" &&
	git -C w fswatch-notify enable &&
	test_when_finished "git -C w fswatch-notify disable" &&
	git -C w fswatch-notify get </dev/null >out &&
	echo x >>w/one.t &&
	git -C w fswatch-status >out &&
	git -C w status >out &&
	git -C w fswatch-notify fetchall >out &&
	git -C w fswatch-notify exit &&
	ls -A tmpdir >listing &&
	test_must_be_empty listing
'

test_expect_success 'the git dir replaced under a running daemon: it exits, the next status is exact' '
	git init -q -b main gone1 &&
	(cd gone1 && test_commit a) &&
	git -C gone1 config core.fswatchHelper notify &&
	git -C gone1 fswatch-notify start &&
	pid=$(notify_pid gone1) &&
	mv gone1/.git gone1/old-git &&
	cp -a gone1/old-git gone1/.git &&
	rm -rf gone1/old-git &&
	wait_for_exit "$pid" &&
	echo edit >>gone1/a.t &&
	status_exact gone1 &&
	git -C gone1 fswatch-notify exit
'

test_expect_success 'a directory above the worktree renamed: the daemon exits, a new one serves' '
	mkdir -p above &&
	git init -q -b main above/r &&
	(cd above/r && test_commit a) &&
	git -C above/r config core.fswatchHelper notify &&
	GIT_FSWATCH_TEST_SELF_CHECK=0.2 git -C above/r fswatch-notify start &&
	pid=$(notify_pid above/r) &&
	mv above moved-above &&
	test_when_finished "git -C moved-above/r fswatch-notify exit" &&
	wait_for_exit "$pid" &&
	test_path_is_missing moved-above/r/.git/fswatch/notify.sock &&
	mkdir moved-above/r/new && echo x >moved-above/r/new/file &&
	echo edit >>moved-above/r/a.t &&
	status_exact moved-above/r &&
	status_exact moved-above/r &&
	test "$(notify_pid moved-above/r)" != "$pid"
'

test_expect_success 'after a rename above, a query does not wait for the self-check' '
	mkdir -p above2 &&
	git init -q -b main above2/r &&
	(cd above2/r && test_commit a) &&
	GIT_FSWATCH_TEST_SELF_CHECK=600 git -C above2/r fswatch-notify start &&
	pid=$(notify_pid above2/r) &&
	token=$(fresh_token above2/r) &&
	mv above2 moved-above2 &&
	test_when_finished "git -C moved-above2/r fswatch-notify exit" &&
	answer moved-above2/r "$token" actual &&
	grep "^everything=" actual &&
	! grep "^path=" actual &&
	wait_for_exit "$pid"
'

test_expect_success 'the worktree deleted while clients wait: they get no paths, the daemon exits' '
	git init -q -b main doomed &&
	(cd doomed && test_commit a) &&
	GIT_FSWATCH_TEST_LOSE_COOKIES=1 git -C doomed fswatch-notify start &&
	pid=$(notify_pid doomed) &&
	(cd doomed && "$PYTHON" -c "
import socket
socks = []
for i in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(\".git/fswatch/notify.sock\")
    s.sendall(b\"version=1\\0action=get\\0\\0\")
    socks.append(s)
import shutil, os
os.chdir(\"..\")
shutil.rmtree(\"doomed\")
for s in socks:
    s.settimeout(20)
    got = b\"\"
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    assert b\"path=\" not in got, got
    print(got)
") &&
	wait_for_exit "$pid"
'

test_done
