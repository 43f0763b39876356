#!/bin/sh

test_description='the status engine computes what git status computes

Tracked files changed in every way the worktree allows, staged renames,
every kind of conflict, intent-to-add, assume-unchanged and skip-worktree
entries, racily clean files, untracked files with -uno, -unormal and -uall.
Each case is compared with git status --porcelain=v2 -z and the long format,
and must be answered by the engine itself, not by falling back.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-status.sh"

# These tests are of the cold engine and its status cache: keep the helper's
# daemon from answering warm (t7600-status-warm.sh tests that).
GIT_FSWATCH_TEST_NO_WARM=1
export GIT_FSWATCH_TEST_NO_WARM

# engine_same [<args>...]: same bytes as git status for porcelain v2 -z, the
# long format and -s, each answered by the engine.
engine_same () {
	for fmt in "--porcelain=v2 -z" "" "-s"
	do
		same_as_git $fmt "$@" || return 1
	done
}

test_expect_success 'setup' '
	git init -q -b main repo &&
	(
		cd repo &&
		test_write_lines 1 2 3 4 5 6 7 8 9 >text &&
		echo exec >exec && chmod +x exec &&
		echo link >target &&
		mkdir -p dir/sub &&
		echo a >dir/a && echo b >dir/sub/b &&
		echo gone >gone &&
		echo "*.o" >.gitignore &&
		git add . &&
		git commit -q -m base
	)
'

test_expect_success 'a clean worktree' '
	cd repo &&
	engine_same &&
	engine_same -uall
'

test_expect_success 'modified, deleted, exec bit, file to symlink' '
	cd repo &&
	echo more >>dir/a &&
	rm gone &&
	chmod -x exec &&
	rm target && ln -s text target &&
	engine_same &&
	engine_same -uno
'

test_expect_success 'a tracked file replaced by a directory' '
	cd repo &&
	rm dir/sub/b && mkdir dir/sub/b && echo inside >dir/sub/b/file &&
	engine_same &&
	engine_same -uall
'

test_expect_success 'a tracked directory replaced by a file and a symlink' '
	cd repo &&
	git reset -q --hard &&
	rm -rf dir && echo file >dir &&
	engine_same &&
	rm dir && ln -s repo dir &&
	engine_same -uall
'

test_expect_success 'staged changes, with and without renames' '
	cd repo &&
	git reset -q --hard &&
	git mv text renamed &&
	echo 10 >>renamed && git add renamed &&
	echo new >new && git add new &&
	git rm -q --cached gone &&
	engine_same &&
	engine_same --no-renames &&
	engine_same -M90 &&
	engine_same -M20
'

test_expect_success 'racily clean: same size, same second as the index' '
	cd repo &&
	git reset -q --hard &&
	echo 12345 >racy && git add racy &&
	echo 54321 >racy &&
	same_as_git --porcelain=v2 -z &&
	tr "\\000" "\\n" <"$TRASH_DIRECTORY/actual.out" >lines &&
	grep "^1 AM .* racy$" lines
'

test_expect_success 'intent-to-add, present and deleted' '
	cd repo &&
	git reset -q --hard &&
	echo ita >ita && git add -N ita &&
	echo ita2 >ita2 && git add -N ita2 && rm ita2 &&
	same_as_git --porcelain=v2 -z --no-renames &&
	grep "\.A .* ita" "$TRASH_DIRECTORY/actual.out" &&
	rm -f ita && git rm -q --cached ita ita2
'

test_expect_success 'assume-unchanged and skip-worktree entries are honoured' '
	cd repo &&
	git reset -q --hard &&
	git update-index --assume-unchanged dir/a &&
	echo changed >dir/a &&
	git update-index --skip-worktree dir/sub/b &&
	rm dir/sub/b &&
	engine_same &&
	git update-index --no-assume-unchanged dir/a &&
	git update-index --no-skip-worktree dir/sub/b &&
	git reset -q --hard
'

test_expect_success 'every kind of conflict' '
	cd repo &&
	git reset -q --hard &&
	one=$(echo one | git hash-object -w --stdin) &&
	two=$(echo two | git hash-object -w --stdin) &&
	three=$(echo three | git hash-object -w --stdin) &&
	{
		for p in DD UD DU UU; do echo "100644 $one 1	c-$p"; done &&
		for p in AU UD AA UU; do echo "100644 $two 2	c-$p"; done &&
		for p in UA DU AA UU; do echo "100755 $three 3	c-$p"; done
	} >info &&
	git update-index --index-info <info &&
	echo worktree >c-UU && ln -s nowhere c-AA &&
	engine_same &&
	git reset -q --hard && rm -f c-*
'

test_expect_success 'untracked: files, directories, ignored, nested repositories' '
	cd repo &&
	mkdir -p u/deep/er empty/also-empty only-ignored dir/new &&
	echo x >u/deep/er/file && echo x >u/top &&
	echo x >only-ignored/a.o && echo x >dir/new/f && echo x >dir/new.o &&
	echo x >"sp ace" && echo x >"$(printf "tab\\there")" &&
	git init -q nested && git init -q u/inner-repo &&
	engine_same &&
	engine_same -uall &&
	engine_same -uno
'

test_expect_success 'a .git that is no repository does not make one' '
	cd repo &&
	mkdir -p fake1 fake2 fake3 real2 &&
	: >fake1/.git && echo "gitdir: /nonexistent" >fake2/.git && mkdir fake3/.git &&
	echo "gitdir: ../nested/.git" >real2/.git &&
	echo x >fake1/f && echo x >fake2/f && echo x >fake3/f && echo x >real2/f &&
	engine_same &&
	engine_same -uall &&
	rm -rf fake1 fake2 fake3 real2
'

test_expect_success INOTIFY 'with the notify helper: the cache serves and stays right' '
	cd repo &&
	git config core.fswatchHelper "notify --timeout=60" &&
	test_atexit "cd \"$TRASH_DIRECTORY/repo\" && git fswatch-notify exit" &&
	GIT_FSWATCH_TEST_SPAWN_WAIT=30 && export GIT_FSWATCH_TEST_SPAWN_WAIT &&
	same_as_git --porcelain=v2 -z &&
	same_as_git --porcelain=v2 -z &&
	echo more >>dir/a && rm u/top && echo y >u/deep/er/file2 && rm -rf only-ignored &&
	mkdir late && echo z >late/z.o &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.from-cache &&
	mv u moved && mv dir/sub dir/sub2 &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.from-cache &&
	echo "late/" >>.gitignore &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.full-scan reason=rules-changed
'

test_expect_success INOTIFY 'with the helper: a rewritten index discards the cache' '
	cd repo &&
	same_as_git --porcelain=v2 -z &&
	git add dir/a &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.full-scan reason=key:index &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.from-cache
'

for version in 4 3 2
do
	test_expect_success INOTIFY "with the helper: an index of version $version" "
		cd repo &&
		git update-index --index-version $version &&
		same_as_git --porcelain=v2 -z &&
		echo v$version >>dir/sub2/b && echo v$version >v$version &&
		same_as_git --porcelain=v2 -z &&
		trace_has \"\$TRASH_DIRECTORY/trace\" status.from-cache &&
		echo v$version >>moved/deep/er/file &&
		same_as_git --porcelain=v2 -z -uall &&
		same_as_git --porcelain=v2 -z -uall &&
		trace_has \"\$TRASH_DIRECTORY/trace\" status.from-cache
	"
done

test_expect_success INOTIFY 'with the helper: a repository made or removed inside an untracked directory' '
	cd repo &&
	mkdir -p holder/sub &&
	same_as_git --porcelain=v2 -z &&
	same_as_git --porcelain=v2 -z &&
	git init -q holder/sub &&
	same_as_git --porcelain=v2 -z &&
	tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^? holder/$" &&
	same_as_git --porcelain=v2 -z -uall &&
	same_as_git --porcelain=v2 -z -uall &&
	rm -rf holder/sub/.git &&
	same_as_git --porcelain=v2 -z -uall &&
	same_as_git --porcelain=v2 -z &&
	rm -rf holder
'

test_expect_success INOTIFY 'with the helper: a daemon killed with SIGKILL costs a full scan, not a wrong answer' '
	cd repo &&
	same_as_git --porcelain=v2 -z &&
	pid=$(git fswatch-notify status | sed -n "s/^pid: //p") &&
	test -n "$pid" &&
	kill -9 $pid &&
	echo after-kill >>dir/a && echo after-kill >after-kill &&
	same_as_git --porcelain=v2 -z &&
	trace_lacks "$TRASH_DIRECTORY/trace" status.from-cache &&
	same_as_git --porcelain=v2 -z &&
	echo again >>after-kill && rm v4 &&
	same_as_git --porcelain=v2 -z
'

test_done
