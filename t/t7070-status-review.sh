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
	git --no-optional-locks status --porcelain=v2 -z >"$TRASH_DIRECTORY/expect" &&
	GIT_FLUSH=0 GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
	timeout 10 git fswatch-status --porcelain=v2 -z >"$TRASH_DIRECTORY/actual" &&
	test_cmp "$TRASH_DIRECTORY/expect" "$TRASH_DIRECTORY/actual" &&
	status_answered_itself
'

# git status compares the index GIT_INDEX_FILE names; the engine reads the
# git dir's.
test_expect_success 'GIT_INDEX_FILE: git status'"'"'s answer' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" rm -q --cached staged" &&
	cp .git/index "$TRASH_DIRECTORY/other-index" &&
	echo s >staged &&
	git add staged &&
	(
		GIT_INDEX_FILE="$TRASH_DIRECTORY/other-index" &&
		export GIT_INDEX_FILE &&
		status_is_git_status --porcelain=v2 -z
	) &&
	status_fell_back GIT_INDEX_FILE
'

# `git --git-dir=../.git fswatch-status` from a subdirectory exports the
# relative path as git was given it; the engine runs git in the top of the
# worktree, where ../.git is another repository: here the one around it.
test_expect_success 'relative GIT_DIR and GIT_WORK_TREE from a subdirectory' '
	git init -q outer &&
	echo o >outer/other &&
	git -C outer add other &&
	git -C outer commit -q -m outer &&
	git init -q outer/inner &&
	(
		cd outer/inner &&
		mkdir sub &&
		echo a >sub/a &&
		echo "*.o" >.gitignore &&
		git add . &&
		git commit -q -m inner &&
		echo m >>sub/a &&
		echo q >sub/q &&
		git add sub/q &&
		echo 1 >sub/x.o
	) &&
	cd outer/inner/sub &&
	(
		GIT_DIR=../.git GIT_WORK_TREE=.. &&
		export GIT_DIR GIT_WORK_TREE &&
		status_is_git_status -s
	) &&
	status_fell_back relative-git-path GIT_DIR &&
	cd .. &&
	(
		GIT_DIR=.git GIT_WORK_TREE=. &&
		export GIT_DIR GIT_WORK_TREE &&
		status_is_git_status -s
	) &&
	status_answered_itself
'

# git shows some ignored paths inside a directory that stands where a file
# is tracked (f/y.o; f/sub/ for f/sub/ign/q with --ignored, f/sub/ign/ with
# --ignored=matching), in -unormal as in -uall; and, with -uall --ignored,
# all of it when the directory itself is ignored.  Without an ignored path
# in or at it, --ignored changes nothing there.
test_expect_success 'a directory where a file is tracked, with --ignored' '
	git init -q dirfile &&
	(
		cd dirfile &&
		printf "*.o\nign/\n" >.gitignore &&
		echo f >f &&
		echo g >g &&
		git add . &&
		git commit -q -m base &&
		rm f g &&
		mkdir -p f/sub/ign g/sub &&
		echo x >f/x &&
		echo y >f/y.o &&
		echo q >f/sub/ign/q &&
		echo x >g/x &&
		echo x >g/sub/x &&
		git init -q g/sub/repo
	) &&
	cd dirfile &&
	for args in "" -uall "--ignored -unormal" "--ignored -uall" \
		"--ignored=matching -unormal" "--ignored=matching -uall"
	do
		status_is_git_status --porcelain=v2 -z $args || return 1
	done &&
	rm -r f/y.o &&
	for args in "--ignored" "--ignored=matching"
	do
		status_is_git_status --porcelain=v2 -z $args || return 1
	done &&
	rm -r f/sub &&
	echo g >>.gitignore &&
	for args in "--ignored" "--ignored -uall"
	do
		status_is_git_status --porcelain=v2 -z $args || return 1
	done &&
	sed -i "\$d" .gitignore &&
	status_is_git_status --porcelain=v2 -z --ignored -uall &&
	status_answered_itself
'

# A .gitignore marked skip-worktree and missing from the worktree: git
# reads its patterns from the index (git check-ignore --no-index does not).
test_expect_success 'a skip-worktree .gitignore missing from the worktree' '
	git init -q skipignore &&
	(
		cd skipignore &&
		mkdir d &&
		echo "*.o" >d/.gitignore &&
		echo a >d/a &&
		git add . &&
		git commit -q -m base &&
		echo o >d/x.o
	) &&
	cd skipignore &&
	same_as_git --porcelain=v2 -z &&
	git update-index --skip-worktree d/.gitignore &&
	rm d/.gitignore &&
	for args in "" --ignored -uall
	do
		status_is_git_status --porcelain=v2 -z $args || return 1
	done &&
	same_as_git --porcelain=v2 -z -uno
'

# A file rewritten with its size and mtime kept, in the second its stat
# data were taken: only the nanoseconds of its ctime differ, and git (built
# without USE_NSEC, the default) compares whole seconds: clean to git.
test_expect_success 'a change only the nanoseconds show' '
	git init -q nsec &&
	(
		cd nsec &&
		echo aaaa >f &&
		git add f &&
		git commit -q -m base &&
		touch -d "2000-01-01 00:00:00" f &&
		git update-index --refresh &&
		echo cccc >f &&
		touch -d "2000-01-01 00:00:00" f
	) &&
	cd nsec &&
	status_is_git_status --porcelain=v2 -z
'

# git compares stat data without the ctime with core.trustCtime=false, and
# without the inode, owner and nanoseconds with core.checkStat=minimal: a
# file rewritten with its size and mtime kept is clean to git.
test_expect_success 'core.trustCtime=false and core.checkStat=minimal' '
	git init -q checkstat &&
	(
		cd checkstat &&
		echo aaaa >f &&
		git add f &&
		git commit -q -m base &&
		touch -d "2000-01-01 00:00:00" f &&
		git update-index --refresh &&
		echo cccc >new &&
		touch -d "2000-01-01 00:00:00" new &&
		mv new f
	) &&
	cd checkstat &&
	same_as_git --porcelain=v2 -z &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/checkstat\" config --unset core.checkStat" &&
	git config core.checkStat minimal &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back core.checkStat &&
	git config --unset core.checkStat &&
	git config core.trustctime false &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back core.trustCtime &&
	git config --unset core.trustctime &&
	git config core.checkStat default &&
	same_as_git --porcelain=v2 -z
'

# git reads a relative core.excludesFile from the top of the worktree; the
# status cache must notice it changing when asked from a subdirectory too.
test_expect_success INOTIFY 'a relative core.excludesFile, from a subdirectory, with the cache' '
	git init -q relexcl &&
	(
		cd relexcl &&
		mkdir -p sub deep/d &&
		echo a >sub/a &&
		echo b >deep/d/b &&
		git add . &&
		git commit -q -m base &&
		echo "*.q" >excl &&
		echo "*.r" >sub/excl &&
		>sub/x.q && >sub/x.r && >deep/d/y.q &&
		git config core.excludesFile excl &&
		git config core.fswatchHelper "notify --timeout=60"
	) &&
	test_atexit "cd \"$TRASH_DIRECTORY/relexcl\" && git fswatch-notify exit" &&
	GIT_FSWATCH_TEST_SPAWN_WAIT=30 && export GIT_FSWATCH_TEST_SPAWN_WAIT &&
	cd relexcl/sub &&
	same_as_git -s &&
	same_as_git -s &&
	trace_has "$TRASH_DIRECTORY/trace" status.from-cache &&
	echo "*.r" >../excl &&
	same_as_git -s
'

# Names that mean something to pathspecs, to ignore patterns or to the
# shell, as files and as directories, asked of git check-ignore as
# ":(top)<name>": whatever the first character, the rest is the name.
test_expect_success FUNNYNAMES 'odd names and the patterns that match them' '
	git init -q odd &&
	(
		cd odd &&
		printf "%s\n" "*.o" "sp *" "\\#h*" "\\!bang" "tr\\ " "q\\?" \
			"br\\[x]" "bs\\\\*" ":c*" "nl*" "dir_s*/" >.gitignore &&
		echo a >a &&
		git add . &&
		git commit -q -m base &&
		for n in x.o "sp ace" "#hash" "!bang" "tr " "q?" "br[x]" brx \
			"bs\\one" :colon ":(top)x" ":!ex" "lead " " lead" \
			"$(printf "nl\nx")" "$(printf "tab\tx")" "$(printf "\351t\351")" \
			"*star" "?q" "[b]" plain
		do
			echo 1 >"$n" &&
			mkdir "dir_$n" &&
			echo 1 >"dir_$n/f" || return 1
		done
	) &&
	cd odd &&
	git check-ignore "bs\\one" "tr " "#hash" "!bang" "dir_sp ace" brx >ignored &&
	test_line_count = 5 ignored &&
	for args in "" -uall --ignored "--ignored=matching" "--ignored -uall"
	do
		same_as_git --porcelain=v2 -z $args || return 1
	done
'

# git reads ~/.config/git/attributes (core.attributesFile'"'"'s default) too: a
# clean filter there decides what a file'"'"'s contents are.
test_expect_success 'attributes that change contents in ~/.config/git/attributes' '
	git init -q xdgattr &&
	(
		cd xdgattr &&
		echo abc >f.txt &&
		git add f.txt &&
		git commit -q -m base &&
		echo azc >f.txt
	) &&
	cd xdgattr &&
	same_as_git --porcelain=v2 -z &&
	mkdir -p "$HOME/.config/git" &&
	test_when_finished "rm -f \"\$HOME/.config/git/attributes\"" &&
	echo "*.txt filter=swap" >"$HOME/.config/git/attributes" &&
	git config filter.swap.clean "tr z b" &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back content-attributes
'

# A tracked .gitattributes deleted from the worktree: git takes the
# attributes from the index, and the clean filter they name decides.
test_expect_success 'a tracked .gitattributes missing from the worktree' '
	git init -q gone-attr &&
	(
		cd gone-attr &&
		echo "*.txt filter=swap" >.gitattributes &&
		git config filter.swap.clean "tr z b" &&
		echo abc >f.txt &&
		git add . &&
		git commit -q -m base &&
		rm .gitattributes &&
		echo azc >f.txt
	) &&
	cd gone-attr &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back missing-gitattributes
'

# git does not follow a symlinked .gitattributes, and warns about it on
# standard error whenever it reads attributes there (when it hashes a file
# of that directory, which the engine cannot foresee).
test_expect_success SYMLINKS 'a symlinked .gitattributes' '
	git init -q link-attr &&
	(
		cd link-attr &&
		mkdir sub &&
		echo b >sub/b &&
		git add . &&
		git commit -q -m base &&
		echo "*.c diff" >attrs &&
		ln -s ../attrs sub/.gitattributes
	) &&
	cd link-attr &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back symlinked-gitattributes
'

test_done
