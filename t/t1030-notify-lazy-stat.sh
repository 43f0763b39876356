#!/bin/sh

test_description='git fswatch-notify: stat data read only when asked for

The daemon keeps nothing per file after its crawl (events say what
changed); it reads the stat data of a directory when listdir or fetchall
first asks for it.  The directory lists of get dirs=1 and below=1 come from
the watch tree alone and read no stat data, and still name every watched
directory, whatever the files around them.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

# dirs_of <answer>: the dir= records of a get answer, one a line, sorted.
dirs_of () {
	records "$1" | sed -n "s/^dir=//p" | sort
}

# ask_dirs <key>: get since $token with <key>=1 (dirs or below) into
# "answer"; the new token in $token.
ask_dirs () {
	(cd w && raw_request ../answer \
		"b\"version=1\\0action=get\\0token=$token\\0$1=1\\0\\0\"") &&
	token=$(get_token answer) &&
	test -n "$token"
}

test_expect_success INOTIFY 'setup: directories, files, a symlink, a nested repository' '
	git init -q w &&
	mkdir -p w/a/b/c w/d "w/sp ace/x" w/nested &&
	echo 1 >w/a/f && echo 2 >w/a/b/c/g && echo 3 >"w/sp ace/x/h" &&
	ln -s a w/link-to-a &&
	git init -q w/nested &&
	git -C w config core.fswatchHelper notify &&
	token=$(fresh_token w) &&
	test -n "$token"
'

test_expect_success INOTIFY 'after the crawl: entries counted, no stat data held' '
	test "$(stat_of w watched-directories)" = 8 &&
	test "$(stat_of w stat-cached-directories)" = 0 &&
	test "$(stat_of w files-known)" -ge 10
'

test_expect_success INOTIFY 'dirs=1 names every watched directory and reads no stat data' '
	ask_dirs dirs &&
	dirs_of answer >actual &&
	test_write_lines a a/b a/b/c d nested "sp ace" "sp ace/x" >expect &&
	test_cmp expect actual &&
	test "$(stat_of w stat-cached-directories)" = 0
'

test_expect_success INOTIFY 'below=1 names the new directories below a reported one' '
	mkdir -p w/a/new/deeper w/d/e &&
	echo x >w/a/new/deeper/file &&
	ask_dirs below &&
	records answer | sed -n "s/^path=//p" | sort >paths &&
	grep -x "a/new/" paths &&
	grep -x "d/e/" paths &&
	dirs_of answer >actual &&
	test_write_lines a/new a/new/deeper d/e >expect &&
	test_cmp expect actual &&
	test "$(stat_of w stat-cached-directories)" = 0
'

test_expect_success INOTIFY 'listdir reads one directory, and keeps it current' '
	git -C w fswatch-notify listdir a/b/c >out &&
	test "$(stat_of w stat-cached-directories)" = 1 &&
	records out >lines &&
	grep "^entry=f [0-9]* 2 [0-9 ]* g\$" lines &&
	echo longer-now >w/a/b/c/g &&
	git -C w fswatch-notify listdir a/b/c >out &&
	records out >lines &&
	grep "^entry=f [0-9]* 11 [0-9 ]* g\$" lines
'

test_expect_success INOTIFY 'fetchall reads the rest; a later change is seen' '
	git -C w fswatch-notify fetchall >out &&
	test "$(stat_of w stat-cached-directories)" = "$(stat_of w watched-directories)" &&
	records out >lines &&
	grep "^entry=f .* sp ace/x/h\$" lines &&
	rm "w/sp ace/x/h" &&
	git -C w fswatch-notify fetchall >out &&
	records out >lines &&
	! grep " sp ace/x/h\$" lines &&
	grep "^entry=d .* sp ace/x\$" lines &&
	grep "^entry=f .* a/new/deeper/file\$" lines
'

test_done
