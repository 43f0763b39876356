#!/bin/sh

test_description='git fswatch-notify: the socket against bad clients and odd places

Malformed, truncated, oversized and binary requests get an error reply and
the daemon goes on serving; a silent client is dropped without blocking
others; a peer of another uid is refused; a private directory others can
enter, or a symlink in its place, is refused; a socket path longer than a
unix address works; a daemon exits when its repository goes away, and
declines (clients fall back) where it cannot watch.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

test_expect_success 'setup' '
	git init -q w &&
	(cd w && test_commit one) &&
	git -C w fswatch-notify start
'

# ask <expected reply file> <python bytes>: the reply to exact bytes.
ask () {
	(cd w && raw_request ../reply "$2") &&
	records reply >actual &&
	test_cmp "$1" actual
}

test_expect_success 'an unknown action gets an error' '
	printf "%s\n" "error=unknown action '"'"'frob'"'"'" "" >expect &&
	ask expect "b\"version=1\\0action=frob\\0\\0\""
'

test_expect_success 'an unknown protocol version gets an error' '
	printf "%s\n" "error=unsupported protocol version '"'"'2'"'"'" "" >expect &&
	ask expect "b\"version=2\\0action=get\\0\\0\""
'

test_expect_success 'a record without = gets an error' '
	printf "%s\n" "error=record without '"'"'='"'"': '"'"'garbage'"'"'" "" >expect &&
	ask expect "b\"version=1\\0garbage\\0\\0\""
'

test_expect_success 'binary junk gets an error' '
	(cd w && raw_request ../reply "bytes(range(256)) * 4") &&
	records reply >lines &&
	grep "^error=" lines
'

test_expect_success 'a truncated request gets an error' '
	printf "%s\n" "error=truncated message: record without its NUL" "" >expect &&
	ask expect "b\"version=1\\0action=g\"" &&
	printf "%s\n" "error=truncated message: no end record" "" >expect &&
	ask expect "b\"version=1\\0action=get\\0\""
'

test_expect_success 'an empty request gets an error' '
	printf "%s\n" "error=empty request" "" >expect &&
	ask expect "b\"\""
'

test_expect_success 'an oversized request gets an error' '
	printf "%s\n" "error=message longer than 65536 bytes" "" >expect &&
	ask expect "b\"version=1\\0action=get\\0token=\" + b\"x\" * 100000" &&
	ask expect "b\"path=x\\0\" * 20000"
'

test_expect_success 'listdir without a path gets an error' '
	printf "%s\n" "error=listdir needs a path" "" >expect &&
	ask expect "b\"version=1\\0action=listdir\\0\\0\""
'

test_expect_success 'unknown keys are ignored' '
	(cd w && raw_request ../reply "b\"version=1\\0action=get\\0future-key=1\\0\\0\"") &&
	records reply >lines &&
	grep "^everything=fresh\$" lines
'

test_expect_success 'the daemon survived all that and still serves' '
	git -C w fswatch-notify get </dev/null >out &&
	records out >lines &&
	grep "^everything=fresh\$" lines &&
	git -C w fswatch-notify status >status &&
	grep "^requests: [0-9]" status
'

test_expect_success 'a silent client does not block others and is dropped' '
	(cd w && "$PYTHON" -c "
import socket, subprocess, sys, time
silent = socket.socket(socket.AF_UNIX)
silent.connect(\".git/fswatch/notify.sock\")
out = subprocess.run([\"git\", \"fswatch-notify\", \"status\"], stdout=subprocess.PIPE, timeout=20)
assert out.returncode == 0 and b\"pid: \" in out.stdout, out
silent.settimeout(20)
start = time.monotonic()
assert silent.recv(100) == b\"\"
print(\"dropped after %.1f s\" % (time.monotonic() - start))
")
'

test_expect_success 'a client that disconnects before its answer is harmless' '
	(cd w && "$PYTHON" -c "
import socket
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(\".git/fswatch/notify.sock\")
    s.sendall(b\"version=1\\0action=fetchall\\0\\0\")
    s.close()
") &&
	git -C w fswatch-notify status >status
'

test_expect_success 'a peer of another uid is refused' '
	test "$(id -u)" = 0 || {
		echo >&4 "not root: nobody else can reach a 0700 socket; nothing to test" &&
		return 0
	}
	test_when_finished "chmod 0700 w/.git/fswatch" &&
	chmod 0711 w/.git/fswatch &&
	chmod 0777 w/.git/fswatch/notify.sock &&
	(cd w && "$PYTHON" -c "
import os, socket, sys
os.setgid(65534)
os.setuid(65534)
s = socket.socket(socket.AF_UNIX)
s.connect(\".git/fswatch/notify.sock\")
try:
    s.sendall(b\"version=1\\0action=get\\0\\0\")
except BrokenPipeError:
    pass  # refused before it could ask: the answer is still there to read
got = b\"\"
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
sys.stdout.buffer.write(got)
" >../reply) &&
	records reply >lines &&
	grep "^error=permission denied: uid 65534" lines &&
	! grep "^token=" lines
'

test_expect_success 'a private directory others can enter is refused' '
	test_when_finished "chmod 0700 w/.git/fswatch" &&
	chmod 0755 w/.git/fswatch &&
	test_expect_code 128 git -C w fswatch-notify get </dev/null >out 2>err &&
	grep "^fatal: the permissions on .*fswatch. are too loose" err &&
	test_must_be_empty out
'

test_expect_success 'a symlink in place of the private directory is refused' '
	git init -q linked &&
	mkdir -m 0700 elsewhere &&
	ln -s ../../elsewhere linked/.git/fswatch &&
	test_expect_code 128 git -C linked fswatch-notify get </dev/null 2>err &&
	grep "^fatal: .*fswatch. is not a directory" err &&
	test_path_is_missing elsewhere/notify.sock
'

long=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

test_expect_success 'a socket path longer than a unix address holds works' '
	git init -q "$long" &&
	test_when_finished "git -C \"$long\" fswatch-notify exit" &&
	sock="$(pwd)/$long/.git/fswatch/notify.sock" &&
	test $(printf "%s" "$sock" | wc -c) -gt 108 &&
	git -C "$long" fswatch-notify get </dev/null >out &&
	records out >lines &&
	grep "^everything=fresh\$" lines &&
	test -S "$sock" &&
	token=$(get_token out) &&
	>"$long/new-file" &&
	printf "token=%s\\0" "$token" >in &&
	git -C "$long" fswatch-notify get <in >out &&
	records out >lines &&
	grep "^path=new-file\$" lines &&
	git -C "$long" fswatch-notify exit &&
	test_path_is_missing "$sock"
'

test_expect_success 'a daemon exits when its repository is deleted' '
	git init -q doomed &&
	git -C doomed fswatch-notify start &&
	pid=$(notify_pid doomed) &&
	rm -rf doomed &&
	wait_for_exit "$pid"
'

test_expect_success 'a daemon exits when its worktree is moved away' '
	git init -q moving &&
	git -C moving fswatch-notify start &&
	pid=$(notify_pid moving) &&
	mv moving moved &&
	wait_for_exit "$pid" &&
	test_path_is_missing moved/.git/fswatch/notify.sock
'

test_expect_success 'a daemon exits when a directory above its worktree is renamed' '
	mkdir -p above/below &&
	git init -q above/below/repo &&
	(
		GIT_FSWATCH_TEST_SELF_CHECK=0.05 &&
		export GIT_FSWATCH_TEST_SELF_CHECK &&
		git -C above/below/repo fswatch-notify start
	) &&
	pid=$(notify_pid above/below/repo) &&
	mv above/below above/elsewhere &&
	wait_for_exit "$pid" &&
	test_path_is_missing above/elsewhere/repo/.git/fswatch/notify.sock
'

test_expect_success 'where inotify sees no events the daemon declines' '
	git init -q remote &&
	GIT_FSWATCH_TEST_FSTYPE=nfs &&
	export GIT_FSWATCH_TEST_FSTYPE &&
	test_when_finished "unset GIT_FSWATCH_TEST_FSTYPE" &&
	test_expect_code 1 git -C remote fswatch-notify get </dev/null >out 2>err &&
	grep "^error: .* nfs filesystem" err &&
	test_must_be_empty out &&
	test_path_is_missing remote/.git/fswatch/notify.sock &&
	test_expect_code 1 git -C remote fswatch-notify status
'

test_expect_success 'a recent decline is remembered: no daemon is started again' '
	GIT_FSWATCH_TRACE="$(pwd)/trace.decline" &&
	export GIT_FSWATCH_TRACE &&
	test_when_finished "unset GIT_FSWATCH_TRACE" &&
	test_expect_code 1 git -C remote fswatch-notify get </dev/null 2>err &&
	grep "^error: .* nfs filesystem" err &&
	grep "client: a daemon declined lately; not starting one" trace.decline &&
	! grep "client: starting a daemon" trace.decline &&
	! grep "daemon:" trace.decline &&
	: an explicit start tries again, and here it can watch &&
	git -C remote fswatch-notify start &&
	test_when_finished "git -C remote fswatch-notify exit" &&
	grep "daemon: listening" trace.decline &&
	test_path_is_missing remote/.git/fswatch/notify.declined &&
	git -C remote fswatch-notify get </dev/null >out &&
	records out >lines &&
	grep "^everything=fresh" lines
'

test_expect_success 'out of inotify watches the daemon declines, naming the sysctl' '
	git init -q big &&
	mkdir -p big/a/b big/c &&
	GIT_FSWATCH_TEST_MAX_WATCHES=2 &&
	export GIT_FSWATCH_TEST_MAX_WATCHES &&
	test_when_finished "unset GIT_FSWATCH_TEST_MAX_WATCHES" &&
	test_expect_code 1 git -C big fswatch-notify get </dev/null 2>err &&
	grep "^error: .*fs.inotify.max_user_watches" err &&
	test_path_is_missing big/.git/fswatch/notify.sock
'

test_done
