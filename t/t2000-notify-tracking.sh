#!/bin/sh

test_description='git fswatch-notify get: what changed, end to end

A real daemon watches w/ with inotify; each test changes the tree and asks
what changed since the token of the previous answer.  The daemon proves it
has read every event (a cookie) before answering, so nothing here sleeps.
Covers the traps: new directories, renamed directories (edits below them
under the new path), directories moved in and out, symlinks, the git dir,
queue overflow, odd names, the watch limit and remote filesystems.'

. ./test-lib.sh

. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

# answer_of <answer-file>: "everything=<reason>", or the paths of a get
# answer, sorted, one a line, with \n, \t, \\ and non-ASCII bytes escaped.
answer_of () {
	"$PYTHON" - "$1" <<-\EOF
	import sys
	data = open(sys.argv[1], "rb").read()
	recs = data.split(b"\0")
	assert recs[-2:] == [b"", b""], "no end record: %r" % data[-20:]
	paths = []
	for rec in recs[:-2]:
	    key, _, value = rec.partition(b"=")
	    if key == b"everything":
	        print("everything=" + value.decode())
	        sys.exit(0)
	    if key == b"path":
	        paths.append(value)
	for p in sorted(paths):
	    out = ""
	    for byte in p:
	        c = chr(byte)
	        if c == "\n":
	            out += "\\n"
	        elif c == "\t":
	            out += "\\t"
	        elif c == "\\":
	            out += "\\\\"
	        elif 32 <= byte < 127:
	            out += c
	        else:
	            out += "\\x%02x" % byte
	    print(out)
	EOF
}

# changes: ask what changed since $token; keep the paths in "actual" and
# the new token in $token.
changes () {
	printf "token=%s\000\000" "$token" >in &&
	git -C w fswatch-notify get <in >out &&
	answer_of out >actual &&
	token=$(get_token out) &&
	test -n "$token"
}

# covers <path>: "actual" names <path> or a directory above it.
covers () {
	p=$1
	while :
	do
		grep -qxF "$p" actual && return 0
		case $p in
		*/*/) p=${p%/*/}/ ;;
		*/*) p=${p%/*}/ ;;
		*) break ;;
		esac
		grep -qxF "$p" actual && return 0
	done
	echo >&4 "'$1' is not covered by:" && cat actual >&4
	return 1
}

test_expect_success INOTIFY 'setup: a watched worktree and a first token' '
	git init -q w &&
	(cd w && test_commit one) &&
	git -C w config core.fswatchHelper notify &&
	mkdir outside &&
	git -C w fswatch-notify get </dev/null >out &&
	echo everything=fresh >expect &&
	answer_of out >actual &&
	test_cmp expect actual &&
	token=$(get_token out) &&
	changes &&
	test_must_be_empty actual
'

test_expect_success INOTIFY 'files created, written, chmod-ed, deleted, renamed' '
	echo new >w/new &&
	echo more >>w/one.t &&
	changes &&
	test_write_lines new one.t >expect &&
	test_cmp expect actual &&
	chmod +x w/new &&
	changes &&
	echo new >expect &&
	test_cmp expect actual &&
	mv w/new w/renamed &&
	rm w/one.t &&
	changes &&
	test_write_lines new one.t renamed >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'mkdir -p and a file in one go: seen, and watched' '
	mkdir -p w/a/b/c && echo f >w/a/b/c/f &&
	changes &&
	covers a/b/c/f &&
	echo edit >>w/a/b/c/f &&
	mkdir w/a/b/c/d &&
	changes &&
	test_write_lines a/b/c/d/ a/b/c/f >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'a renamed directory: both names, then edits below it under the new one' '
	mv w/a w/z &&
	changes &&
	grep -qx a/ actual &&
	grep -qx z/ actual &&
	echo edit >>w/z/b/c/f &&
	>w/z/b/new &&
	changes &&
	test_write_lines z/b/c/f z/b/new >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'a directory moved out of the worktree is forgotten' '
	git -C w fswatch-notify status >before &&
	mv w/z outside/z &&
	changes &&
	echo z/ >expect &&
	test_cmp expect actual &&
	echo edit >>outside/z/b/c/f &&
	changes &&
	test_must_be_empty actual &&
	git -C w fswatch-notify status >after &&
	grep "^watched-directories: 5$" before &&
	grep "^watched-directories: 1$" after
'

test_expect_success INOTIFY 'a directory moved in from outside is watched' '
	mv outside/z w/in &&
	changes &&
	echo in/ >expect &&
	test_cmp expect actual &&
	echo edit >>w/in/b/c/f &&
	changes &&
	echo in/b/c/f >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY,SYMLINKS 'symlinks are reported, never followed' '
	mkdir outside/target &&
	ln -s ../outside/target w/link &&
	changes &&
	echo link >expect &&
	test_cmp expect actual &&
	>outside/target/file &&
	echo edit >>w/link/file &&
	changes &&
	test_must_be_empty actual &&
	git -C w fswatch-notify status >st &&
	grep "^watched-directories: 5$" st
'

test_expect_success INOTIFY 'work inside the git dir is not reported' '
	git -C w add -A &&
	git -C w commit -q -m two &&
	git -C w gc -q &&
	mkdir -p w/sub/.git &&
	>w/sub/.git/HEAD &&
	changes &&
	# sub/.git itself shows when the watch on sub came before it did (a
	# nested repository appearing counts); nothing inside it ever does
	! grep "\.git/" actual &&
	grep -v "^sub/\.git\$" actual >actual.outside &&
	echo sub/ >expect &&
	test_cmp expect actual.outside &&
	echo x >>w/sub/.git/HEAD &&
	git -C w commit -q --allow-empty -m three &&
	changes &&
	test_must_be_empty actual
'

test_expect_success INOTIFY,FUNNYNAMES 'names with newlines, tabs, backslashes and non-UTF-8 bytes' '
	>"w/$(printf "new\nline")" &&
	>"w/$(printf "tab\there")" &&
	>"w/back\\slash" &&
	>"w/$(printf "caf\351")" &&
	mkdir "w/$(printf "dir\nx")" &&
	changes &&
	cat >expect <<-\EOF &&
	back\\slash
	caf\xe9
	dir\nx/
	new\nline
	tab\there
	EOF
	test_cmp expect actual &&
	>"w/$(printf "dir\nx")/$(printf "in\351\nside")" &&
	changes &&
	printf "%s\n" "dir\\nx/in\\xe9\\nside" >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'a queue overflow answers everything=overflow, then recovers' '
	pid=$(notify_pid w) &&
	test -n "$pid" &&
	limit=$(cat /proc/sys/fs/inotify/max_queued_events) &&
	mkdir w/many &&
	changes &&
	kill -STOP "$pid" &&
	test_when_finished "kill -CONT $pid" &&
	(cd w/many && test_seq 1 $((limit / 2 + 100)) | xargs touch) &&
	kill -CONT "$pid" &&
	changes &&
	echo everything=overflow >expect &&
	test_cmp expect actual &&
	echo edit >>w/many/1 &&
	changes &&
	echo many/1 >expect &&
	test_cmp expect actual &&
	git -C w fswatch-notify status >st &&
	grep "^overflows: 1$" st
'

test_expect_success INOTIFY 'a token from another daemon answers everything' '
	git -C w fswatch-notify exit &&
	changes &&
	echo everything=unknown-token >expect &&
	test_cmp expect actual &&
	>w/after-restart &&
	changes &&
	echo after-restart >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'out of inotify watches: a clear message, no paths' '
	git init -q limited &&
	mkdir -p limited/a limited/b limited/c &&
	git -C limited config core.fswatchHelper notify &&
	test_when_finished "git -C limited fswatch-notify exit" &&
	{
		GIT_FSWATCH_TEST_MAX_WATCHES=3 git -C limited fswatch-notify get \
			</dev/null >out 2>err
		echo $? >code
	} &&
	grep "fs.inotify.max_user_watches" err &&
	! grep -aq "path=" out
'

test_expect_success INOTIFY 'a remote filesystem is declined with a clear message' '
	git init -q remote &&
	git -C remote config core.fswatchHelper notify &&
	test_when_finished "git -C remote fswatch-notify exit" &&
	{
		GIT_FSWATCH_TEST_FSTYPE=nfs git -C remote fswatch-notify get \
			</dev/null >out 2>err
		echo $? >code
	} &&
	grep "nfs filesystem" err &&
	! grep -aq "path=" out
'

# since <worktree> <token>: the answer of <worktree>'s daemon, in "actual".
since () {
	printf "token=%s\000\000" "$2" >in &&
	git -C "$1" fswatch-notify get <in >out &&
	answer_of out >actual
}

test_expect_success INOTIFY 'a linked worktree: its own daemon, its git dir elsewhere' '
	git -C w worktree add -q ../lw &&
	test_when_finished "git -C lw fswatch-notify exit" &&
	git -C lw fswatch-notify get </dev/null >out &&
	ltoken=$(get_token out) &&
	>lw/linked-file &&
	>w/main-file &&
	since lw "$ltoken" &&
	echo linked-file >expect &&
	test_cmp expect actual &&
	ltoken=$(get_token out) &&
	git -C lw add linked-file &&
	git -C lw commit -q -m linked &&
	since lw "$ltoken" &&
	test_must_be_empty actual &&
	changes &&
	echo main-file >expect &&
	test_cmp expect actual
'

test_expect_success INOTIFY 'the daemon of a removed linked worktree exits' '
	git -C lw fswatch-notify get </dev/null >out &&
	pid=$(notify_pid lw) &&
	test -n "$pid" &&
	git -C w worktree remove --force ../lw &&
	wait_for_exit "$pid"
'

test_expect_success INOTIFY 'the daemon exits when its git dir is deleted' '
	git init -q doomed &&
	git -C doomed config core.fswatchHelper notify &&
	git -C doomed fswatch-notify get </dev/null >out &&
	pid=$(notify_pid doomed) &&
	test -n "$pid" &&
	rm -rf doomed/.git &&
	wait_for_exit "$pid"
'

test_expect_success INOTIFY 'the daemon exits when its worktree is moved away' '
	git -C w fswatch-notify get </dev/null >out &&
	pid=$(notify_pid w) &&
	test -n "$pid" &&
	mv w w-moved &&
	test_when_finished "mv w-moved w" &&
	wait_for_exit "$pid"
'

test_done
