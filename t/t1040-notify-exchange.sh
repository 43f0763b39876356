#!/bin/sh

test_description='git fswatch-notify: directories swapped, deleted and made again

renameat2(RENAME_EXCHANGE) swaps two directories in one step (mv
--exchange); rm -r and mkdir of the same name between two reads of the
kernel queue leave events that describe a past the watch tree has already
overtaken.  After each, the daemon must name both paths, watch each
directory under its new name, and git status through the hook and through
git fswatch-status must say exactly what git alone says (found in review).'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh
. "$TEST_DIRECTORY"/lib-reliability.sh

test_atexit 'git -C w fswatch-notify exit'

# exchange <a> <b>: swap two paths with renameat2(RENAME_EXCHANGE).
exchange () {
	"$PYTHON" - "$1" "$2" <<-\EOF
	import ctypes, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	if libc.renameat2(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2):
	    err = ctypes.get_errno()
	    sys.exit("exchange: %s" % os.strerror(err))
	EOF
}

test_lazy_prereq EXCHANGE '
	mkdir x y &&
	exchange x y
'

test_expect_success INOTIFY,PYGIT2,EXCHANGE 'setup: two directories of tracked files, the hook on' '
	git init -q -b main w &&
	mkdir -p w/a/sa w/p/b/sb &&
	echo 1 >w/a/fa && echo 2 >w/a/sa/x && echo 3 >w/p/b/fb && echo 4 >w/p/b/sb/y &&
	git -C w add . &&
	git -C w commit -q -m initial &&
	git -C w fswatch-notify enable &&
	git -C w fswatch-notify start &&
	status_exact w -uall &&
	token=$(fresh_token w) &&
	test -n "$token"
'

test_expect_success INOTIFY,PYGIT2,EXCHANGE 'both paths of an exchange are reported' '
	exchange w/a w/p/b &&
	answer w "$token" actual &&
	grep "^path=a/\$" actual &&
	grep "^path=p/b/\$" actual &&
	status_exact w -uall
'

test_expect_success INOTIFY,PYGIT2,EXCHANGE 'after it, each directory is watched under its new name' '
	git -C w add -A &&
	git -C w commit -q -m swapped &&
	status_exact w -uall &&
	token=$(fresh_token w) &&
	echo edit >>w/a/sb/y &&
	echo edit >>w/p/b/sa/x &&
	echo new >w/a/sb/new &&
	status_exact w -uall &&
	answer w "$token" actual &&
	cat >expect <<-\EOF &&
	path=a/sb/new
	path=a/sb/y
	path=p/b/sa/x
	EOF
	sort actual >sorted &&
	test_cmp expect sorted
'

test_expect_success INOTIFY,PYGIT2,EXCHANGE 'deleted, made again and swapped before the daemon reads' '
	token=$(fresh_token w) &&
	rm -r w/a/sb &&
	mkdir -p w/a/sb/again &&
	exchange w/a/sb w/p/b/sa &&
	answer w "$token" actual &&
	grep "^path=a/sb/\$" actual &&
	grep "^path=p/b/sa/\$" actual &&
	token=$(fresh_token w) &&
	echo u >w/a/sb/probe &&
	echo u >w/p/b/sa/probe &&
	answer w "$token" actual &&
	cat >expect <<-\EOF &&
	path=a/sb/probe
	path=p/b/sa/probe
	EOF
	sort actual >sorted &&
	test_cmp expect sorted &&
	status_exact w -uall
'

test_done
