#!/bin/sh

test_description='git fswatch-notify listdir and fetchall: the stat data the daemon holds

Each entry= record is "<kind> <mode> <size> <mtime_ns> <ctime_ns> <ino>
<name>"; the answer must equal what lstat() says right now, after changes
too (the daemon syncs with a cookie before it answers).'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

# expect_stat <top> <dir or "-">: the entries lstat() gives, as the daemon
# should print them (listdir of <dir>, or fetchall for "-").
expect_stat () {
	"$PYTHON" - "$1" "$2" <<-\EOF
	import os, stat, sys
	top, which = os.fsencode(sys.argv[1]), sys.argv[2]
	kinds = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l"}
	def line(path, name):
	    st = os.lstat(path)
	    return ("entry=%s %d %d %d %d %d " % (kinds.get(stat.S_IFMT(st.st_mode), "o"),
	            st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
	            st.st_ino)).encode() + name + b"\0"
	out = []
	def walk(rel):
	    d = os.path.join(top, rel) if rel else top
	    for name in sorted(os.listdir(d)):
	        if name == b".git" and not rel:
	            continue
	        r = rel + b"/" + name if rel else name
	        out.append(line(os.path.join(d, name), r if which == "-" else name))
	        if which == "-" and stat.S_ISDIR(os.lstat(os.path.join(d, name)).st_mode):
	            walk(r)
	walk(b"" if which in ("-", ".") else os.fsencode(which))
	sys.stdout.buffer.write(b"".join(sorted(out)))
	EOF
}

# entries <answer>: the entry= records of an answer, NUL-separated, sorted
# (the order of fetchall is the watch tree's business, not the contract's).
entries () {
	"$PYTHON" -c '
import sys
data = open(sys.argv[1], "rb").read()
recs = data.split(b"\0")
sys.stdout.buffer.write(b"".join(sorted(r + b"\0" for r in recs if r.startswith(b"entry="))))
' "$1"
}

test_expect_success 'setup' '
	git init -q w &&
	mkdir -p w/dir/sub &&
	echo hello >w/file &&
	echo x >w/dir/sub/deep &&
	printf "1234567" >w/dir/seven &&
	chmod +x w/dir/seven &&
	git -C w fswatch-notify start
'

test_expect_success SYMLINKS 'a symlink is reported, not followed' '
	ln -s dir w/link
'

test_expect_success FUNNYNAMES 'a name with a newline' '
	echo n >"w/new$LF line"
'

test_expect_success 'listdir . equals lstat of the top' '
	git -C w fswatch-notify listdir . >out &&
	records out >lines &&
	sed -n 1p lines >actual &&
	echo version=1 >expect &&
	test_cmp expect actual &&
	entries out >actual &&
	expect_stat "$(pwd)/w" . >expect &&
	test_cmp expect actual
'

test_expect_success 'listdir of a subdirectory' '
	git -C w fswatch-notify listdir dir >out &&
	entries out >actual &&
	expect_stat "$(pwd)/w" dir >expect &&
	test_cmp expect actual &&
	test -s actual
'

test_expect_success 'fetchall equals lstat of the whole tree' '
	git -C w fswatch-notify fetchall >out &&
	entries out >actual &&
	expect_stat "$(pwd)/w" - >expect &&
	test_cmp expect actual
'

test_expect_success 'after changes the stat data is current' '
	echo more >>w/file &&
	chmod -x w/dir/seven &&
	mkdir w/dir/new &&
	echo n >w/dir/new/n &&
	rm w/dir/sub/deep &&
	git -C w fswatch-notify fetchall >out &&
	entries out >actual &&
	expect_stat "$(pwd)/w" - >expect &&
	test_cmp expect actual
'

test_expect_success 'listdir of what is not a watched directory fails' '
	test_expect_code 1 git -C w fswatch-notify listdir file >out 2>err &&
	grep "^error: not a watched directory: file" err &&
	test_expect_code 1 git -C w fswatch-notify listdir nowhere 2>err &&
	grep "^error: not a watched directory: nowhere" err
'

test_done
