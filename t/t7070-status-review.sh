#!/bin/sh

test_description='the status engine against git status where it can go wrong

Cases found by review of the engine: the environment git check-ignore
inherits, an index other than the git dir'"'"'s, a directory where a file is
tracked, paths of every odd shape asked of check-ignore, a scanning process
that never answers.  Each answer must be git status'"'"'s, computed or handed
to git status.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-status.sh"

# the cold engine only (t7600-status-warm.sh tests the daemon)
GIT_FSWATCH_TEST_NO_WARM=1
export GIT_FSWATCH_TEST_NO_WARM

test_expect_success 'setup' '
	git init -q -b main repo &&
	(
		cd repo &&
		mkdir -p sub/deep &&
		echo a >sub/a &&
		echo "*.o" >.gitignore &&
		git add . &&
		git commit -q -m base &&
		echo more >>sub/a &&
		echo o >sub/x.o &&
		echo n >sub/new
	)
'

# git check-ignore flushes each answer only when GIT_FLUSH allows it; with
# GIT_FLUSH=0 the engine would wait for an answer forever.
test_expect_success 'GIT_FLUSH=0 in the environment: no hang' '
	cd repo &&
	GIT_FLUSH=0 &&
	export GIT_FLUSH &&
	git --no-optional-locks status --porcelain=v2 -z >"$TRASH_DIRECTORY/expect" &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
	timeout 10 git fswatch-status --porcelain=v2 -z >"$TRASH_DIRECTORY/actual" &&
	test_cmp "$TRASH_DIRECTORY/expect" "$TRASH_DIRECTORY/actual" &&
	status_answered_itself
'

test_done
