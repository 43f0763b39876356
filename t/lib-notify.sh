# lib-notify.sh: helpers for tests of the git fswatch-notify daemon.
# Source it after test-lib.sh.

# A test knows for sure what a first query does only if the query waits for
# the daemon it starts; the product waits half a second at most.
GIT_FSWATCH_TEST_SPAWN_WAIT=30
export GIT_FSWATCH_TEST_SPAWN_WAIT

# notify_pid [<dir>]: the pid of the daemon serving <dir> (default: here).
notify_pid () {
	(cd "${1:-.}" && git fswatch-notify status) >status.out &&
	sed -n 's/^pid: //p' status.out
}

# daemons_in <worktree>: pids of the daemons whose cwd is <worktree>.
daemons_in () {
	for p in /proc/[0-9]*
	do
		if test "$(readlink "$p/cwd" 2>/dev/null)" = "$1" &&
		   test "$(sed -n 's/^State:[	 ]*\(.\).*/\1/p' "$p/status" 2>/dev/null)" != Z &&
		   tr '\000' ' ' <"$p/cmdline" 2>/dev/null | grep -q "git_fswatch.cli.notify.* daemon"
		then
			echo "${p#/proc/}"
		fi
	done
}

# wait_for_exit <pid>: wait (at most 20 s) until process <pid> is gone.
wait_for_exit () {
	n=0
	while test -d "/proc/$1" &&
	      test "$(sed -n 's/^State:[	 ]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != Z
	do
		n=$((n + 1))
		if test $n -gt 1000
		then
			echo >&4 "process $1 did not exit"
			return 1
		fi
		sleep 0.02
	done
}

# records <file>: the NUL-ended records in <file>, one a line, for test_cmp
# (values holding a newline would be ambiguous; tests of those use od).
records () {
	tr '\000' '\n' <"$1"
}

# get_token <file>: the token of a `get` answer in <file>.
get_token () {
	records "$1" | sed -n 's/^token=//p'
}

# raw_request <out> <python bytes expression> [<action after connecting>]:
# send exact bytes on the socket of this worktree, keep what comes back.
raw_request () {
	"$PYTHON" - "$1" "$2" "${3:-close}" <<-\EOF
	import socket, sys
	out, data, then = sys.argv[1], eval(sys.argv[2]), sys.argv[3]
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(20)
	s.connect(".git/fswatch/notify.sock")
	s.sendall(data)
	if then == "close":
	    s.shutdown(socket.SHUT_WR)
	got = b""
	while True:
	    chunk = s.recv(65536)
	    if not chunk:
	        break
	    got += chunk
	open(out, "wb").write(got)
	EOF
}
