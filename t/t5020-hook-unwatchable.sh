#!/bin/sh

test_description='git fswatch-notify hook: directories the helper cannot watch

A filesystem whose changes inotify does not see (an overlay here, NFS or
FUSE elsewhere) mounted inside the worktree is unwatchable: the helper names
it in every answer.  With git untracked cache on, the hook must also make
git look again at every directory below it, which the helper knows only
from the disk: a file that appears deep inside must show in git status.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

# an overlay mounted at w/m, its lower layer in "lower"
test_lazy_prereq OVERLAY '
	mkdir -p ovl/lower ovl/upper ovl/work ovl/m &&
	mount -t overlay overlay -o "lowerdir=$PWD/ovl/lower,upperdir=$PWD/ovl/upper,workdir=$PWD/ovl/work" "$PWD/ovl/m" 2>/dev/null &&
	umount "$PWD/ovl/m"
'

test_atexit 'git -C w fswatch-notify exit; umount "$TRASH_DIRECTORY/w/m" 2>/dev/null'

test_expect_success OVERLAY 'setup: a repository with an overlay mounted inside' '
	git init -q -b main w &&
	echo a >w/a &&
	git -C w add a &&
	git -C w commit -q -m initial &&
	mkdir -p lower/sub/deeper upper work w/m &&
	echo f >lower/sub/deeper/f &&
	mount -t overlay overlay -o "lowerdir=$PWD/lower,upperdir=$PWD/upper,workdir=$PWD/work" "$PWD/w/m" &&
	git -C w add m &&
	git -C w commit -q -m "tracked in the overlay" &&
	git -C w fswatch-notify enable &&
	git -C w status --porcelain=v2 >actual &&
	git -C w -c core.fsmonitor=false --no-optional-locks status --porcelain=v2 >expect &&
	test_cmp expect actual &&
	git -C w fswatch-notify status >st &&
	grep "^unwatchable: 1" st
'

test_expect_success OVERLAY 'a file appearing deep in the unwatchable directory shows' '
	git -C w status --porcelain=v2 >/dev/null &&
	git -C w status --porcelain=v2 >/dev/null &&
	echo g >lower/sub/deeper/g &&
	echo h >lower/sub/h &&
	echo more >>lower/sub/deeper/f &&
	git -C w -c core.fsmonitor=false --no-optional-locks status --porcelain=v2 >expect &&
	grep "m/sub/deeper/g" expect &&
	git -C w status --porcelain=v2 >actual &&
	test_cmp expect actual &&
	git -C w status --porcelain=v2 >actual &&
	test_cmp expect actual
'

test_expect_success OVERLAY 'a new directory in it shows too' '
	mkdir lower/sub/deeper/new &&
	echo i >lower/sub/deeper/new/i &&
	git -C w -c core.fsmonitor=false --no-optional-locks status --porcelain=v2 >expect &&
	grep "m/sub/deeper/new/" expect &&
	git -C w status --porcelain=v2 >actual &&
	test_cmp expect actual &&
	git -C w -c core.fsmonitor=false --no-optional-locks status --porcelain=v2 -uall >expect &&
	git -C w status --porcelain=v2 -uall >actual &&
	test_cmp expect actual
'

test_done
