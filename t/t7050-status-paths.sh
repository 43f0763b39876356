#!/bin/sh

test_description='git fswatch-status: paths as git status prints them

From subdirectories (paths relative to the cwd, "../" and "./", except for
porcelain v1 and -z), with status.relativePaths off, and names that must be
quoted (tab, newline, quote, backslash, UTF-8 with core.quotePath on and off,
spaces in the short format).'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-status.sh

test_expect_success 'setup' '
	git init -q -b main repo && cd repo &&
	mkdir -p a/b/c a/d e && echo 1 >top && echo 2 >a/in-a && echo 3 >a/b/in-b &&
	echo 4 >a/b/c/in-c && echo 5 >e/in-e && echo 6 >"a/b/with space" &&
	echo 7 >"a/b/utf-é" && git add . && git commit -q -m base &&
	echo m >>top && echo m >>a/b/in-b && git rm -q a/b/c/in-c && echo n >a/d/new &&
	echo u >a/b/untracked && mkdir -p e/f/g && echo u >e/f/g/deep && echo u >"a/b/new space" &&
	git mv e/in-e a/b/moved && echo u >"é-untracked" && git add "a/b/with space" &&
	echo s >>"a/b/with space"
'

test_expect_success FUNNYNAMES 'setup: names that need quoting' '
	cd repo &&
	echo t >"a/b/tab	here" && echo n >"a/b/new
line" && echo q >"a/b/q\"uote" && echo b >"a/b/back\\slash" &&
	git add "a/b/tab	here" "a/b/q\"uote" && echo x >>"a/b/tab	here"
'

for dir in . a/b a/b/c e
do
	for args in "" "-s" "--porcelain" "--porcelain=v2 -uall" "-s -z"
	do
		test_expect_success "in $dir: '$args'" "
			cd repo &&
			mkdir -p '$dir' && cd '$dir' &&
			same_as_git $args
		"
	done
done

for config in "status.relativePaths=false" "core.quotePath=false"
do
	for dir in . a/b
	do
		test_expect_success "in $dir with $config" "
			cd repo/$dir &&
			for args in '' '-s -uall'
			do
				git -c $config status \$args >\"\$TRASH_DIRECTORY/expect.out\" &&
				rm -f \"\$TRASH_DIRECTORY/trace\" &&
				GIT_FSWATCH_TRACE=\"\$TRASH_DIRECTORY/trace\" \
				git -c $config fswatch-status \$args >\"\$TRASH_DIRECTORY/actual.out\" &&
				test_cmp \"\$TRASH_DIRECTORY/expect.out\" \"\$TRASH_DIRECTORY/actual.out\" &&
				status_answered_itself || return 1
			done
		"
	done
done

test_expect_success 'inside an untracked directory' '
	mkdir -p repo/u/v/w && echo f >repo/u/v/w/f &&
	cd repo/u/v/w &&
	same_as_git -s &&
	same_as_git
'

test_expect_success 'through a symlink to a subdirectory' '
	ln -s repo/a/b linked &&
	cd linked &&
	same_as_git -s
'

test_expect_success 'git -C <subdirectory>' '
	git -C repo/a status -s >expect &&
	git -C repo/a fswatch-status -s >actual &&
	test_cmp expect actual
'

test_done
