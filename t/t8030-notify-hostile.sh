#!/bin/sh

test_description='hostile and broken clients on the socket

A crowd of clients that send nearly a whole request and never end it
leaves the daemon bounded in memory and serving others; silent clients,
clients that trickle a request a byte at a time, clients that hang up in
the middle of a large answer, absurd tokens through the command line and
the hook: the daemon answers the others, never dies, and what it says
afterwards is exact.  (t1010 has the single bad requests; t/unit/test_fuzz_*
fuzz the format and the socket.)'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

rss_of () {
	sed -n "s/^VmRSS:[	 ]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
}

test_expect_success INOTIFY 'setup: 3000 files, a running daemon' '
	git init -q -b main w &&
	make_files w/files 30 100 &&
	git -C w add . &&
	git -C w commit -q -m files &&
	git -C w config core.fswatchHelper "notify --timeout=300" &&
	git -C w fswatch-notify start &&
	pid=$(notify_pid w) &&
	test -n "$pid"
'

test_expect_success INOTIFY 'a thousand clients that never end their request: memory stays bounded' '
	before=$(rss_of "$pid") &&
	(cd w && "$PYTHON" - >../flood.out <<-\EOF
	import resource, socket, subprocess, time
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	want = 1000
	if soft < want + 64 and (hard == resource.RLIM_INFINITY or hard >= want + 64):
	    resource.setrlimit(resource.RLIMIT_NOFILE, (want + 64, hard))
	    soft = want + 64
	n = min(want, soft - 64)
	socks = []
	for i in range(n):
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(".git/fswatch/notify.sock")
	    s.setblocking(False)
	    try:
	        s.send(b"version=1\0action=get\0token=" + b"x" * 60000)
	    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
	        pass
	    socks.append(s)
	t = time.monotonic()
	out = subprocess.run(["git", "fswatch-notify", "status"], stdout=subprocess.PIPE,
	                     timeout=60)
	assert out.returncode == 0 and b"pid: " in out.stdout, out
	print("clients %d; status answered in %.2f s" % (n, time.monotonic() - t))
	for s in socks:
	    s.close()
	EOF
	) &&
	cat flood.out &&
	after=$(rss_of "$pid") &&
	echo "rss before $before kB, after $after kB" &&
	test $((after - before)) -lt 32768 &&
	test "$(notify_pid w)" = "$pid"
'

test_expect_success INOTIFY 'a daemon with few file descriptors does not spin when more clients come' '
	git init -q few &&
	test_when_finished "git -C few fswatch-notify exit" &&
	(ulimit -n 64 && git -C few fswatch-notify start) &&
	fpid=$(notify_pid few) &&
	grep "^Max open files  *64 " /proc/$fpid/limits &&
	(cd few && "$PYTHON" - "$fpid" <<-\EOF
	import socket, subprocess, sys, time
	pid = sys.argv[1]
	def cpu():
	    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
	    return (int(f[11]) + int(f[12])) / 100.0
	socks = []
	for i in range(100):
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(".git/fswatch/notify.sock")
	    socks.append(s)
	before = cpu()
	time.sleep(2)
	used = cpu() - before
	print("daemon CPU over 2 s with 100 silent clients and 64 fds: %.2f s" % used)
	assert used < 0.3
	out = subprocess.run(["git", "fswatch-notify", "status"], stdout=subprocess.PIPE,
	                     timeout=60)
	assert out.returncode == 0 and b"pid: " in out.stdout, out
	EOF
	)
'

test_expect_success INOTIFY 'three hundred silent clients: others are answered at once' '
	(cd w && "$PYTHON" - <<-\EOF
	import socket, subprocess, time
	silent = []
	for i in range(300):
	    s = socket.socket(socket.AF_UNIX)
	    s.connect(".git/fswatch/notify.sock")
	    silent.append(s)
	for i in range(5):
	    t = time.monotonic()
	    out = subprocess.run(["git", "fswatch-notify", "get"], stdin=subprocess.DEVNULL,
	                         stdout=subprocess.PIPE, timeout=60)
	    took = time.monotonic() - t
	    assert out.returncode == 0 and b"\0everything=fresh\0" in out.stdout, out
	    assert took < 4.0, "a get took %.1f s behind silent clients" % took
	# The silent ones are dropped (or were, to make room), none is answered.
	for s in silent:
	    s.settimeout(30)
	    assert s.recv(100) == b""
	EOF
	)
'

test_expect_success INOTIFY 'a request trickled a byte at a time is answered' '
	(cd w && "$PYTHON" - <<-\EOF
	import socket
	s = socket.socket(socket.AF_UNIX)
	s.connect(".git/fswatch/notify.sock")
	for b in b"version=1\0action=status\0\0":
	    s.send(bytes([b]))
	s.shutdown(socket.SHUT_WR)
	s.settimeout(30)
	got = b""
	while True:
	    chunk = s.recv(4096)
	    if not chunk:
	        break
	    got += chunk
	assert b"\0pid=" in got and got.endswith(b"\0\0"), got
	EOF
	)
'

test_expect_success INOTIFY 'clients that hang up in the middle of a large answer' '
	(cd w && "$PYTHON" - <<-\EOF
	import socket
	for i in range(50):
	    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	    s.connect(".git/fswatch/notify.sock")
	    s.sendall(b"version=1\0action=fetchall\0\0")
	    s.shutdown(socket.SHUT_WR)
	    s.settimeout(30)
	    assert s.recv(1000)
	    s.close()
	EOF
	) &&
	token=$(fresh_token w) &&
	echo more >>w/files/d007/f007 &&
	answer w "$token" actual &&
	echo path=files/d007/f007 >expect &&
	test_cmp expect actual &&
	git -C w fswatch-notify fetchall >all &&
	records all | grep -c "^entry=f " >count &&
	echo 3000 >expect &&
	test_cmp expect count &&
	test "$(notify_pid w)" = "$pid"
'

test_expect_success INOTIFY 'absurd tokens through the command line: no paths, no harm' '
	for token in "" ":" "x:" ":1" "x:-1" "x:01" "x:1:2" "$(printf "a\\nb:1")" \
		"$(printf "\\377\\376:1")" "$(test_seq 1 3000 | tr -d "\\n"):1"
	do
		printf "token=%s\\000" "$token" >in &&
		git -C w fswatch-notify get <in >out &&
		records out >lines &&
		grep "^everything=" lines &&
		! grep "^path=" lines || return 1
	done &&
	"$PYTHON" -c "import sys; sys.stdout.buffer.write(b\"token=\" + b\"9\" * 70000 + b\"\\0\")" >in &&
	test_expect_code 128 git -C w fswatch-notify get <in >out 2>err &&
	grep "^fatal: request on standard input is too long" err &&
	printf "garbage" >in &&
	test_expect_code 128 git -C w fswatch-notify get <in 2>err &&
	grep "^fatal: bad request on standard input" err &&
	test "$(notify_pid w)" = "$pid"
'

test_expect_success INOTIFY 'absurd tokens through the hook: everything, or a failure git scans after' '
	for token in "" "x" "1:1" "$(printf "a\\tb:7")" "$(test_seq 1 20000 | tr -d "\\n"):1"
	do
		{
			git -C w fswatch-notify hook 2 "$token" >out 2>err
			echo $? >code
		} &&
		! grep -i traceback err &&
		if test "$(cat code)" = 0
		then
			tr "\\000" "\\n" <out >lines &&
			sed -n 2p lines >second &&
			echo / >expect &&
			test_cmp expect second
		else
			test "$(cat code)" = 1 &&
			grep "^error: fswatch hook: " err
		fi || return 1
	done &&
	test "$(notify_pid w)" = "$pid"
'

test_expect_success INOTIFY 'after all that, the daemon is the same and exact' '
	git -C w fswatch-notify status >st &&
	grep "^pid: $pid\$" st &&
	status_exact w &&
	echo change >>w/files/d000/f000 && rm w/files/d029/f099 && >w/new &&
	status_exact w
'

test_done
