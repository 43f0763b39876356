#!/bin/sh

test_description='the status engine with literal pathspecs, from the top and from subdirectories

Literal pathspecs are answered by the engine (git fswatch-status prints
what git status prints, without running it); globs, magic and pathspecs
below untracked directories are left to git status.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-status.sh"

test_expect_success 'setup' '
	git init -q -b main repo &&
	(
		cd repo &&
		mkdir -p t/s other &&
		echo a >t/a && echo b >t/s/b && echo top >top && echo o >other/o &&
		git add . &&
		git commit -q -m base &&
		echo "*.o" >.gitignore &&
		mkdir -p u/deep t/new &&
		echo x >u/f && echo x >u/deep/g && echo x >t/new/h && echo x >t/un &&
		echo x >t/junk.o &&
		echo more >>t/a && echo more >>top && rm other/o &&
		git mv t/s/b t/s/renamed && echo more >>t/s/renamed
	)
'

for spec in "t" "t/" "t/s" "t/a" "top" "u" "u/" "t/new" "nonexistent" "." "t other" "other/o" "t/s/renamed" ". t"
do
	test_expect_success "from the top: -- $spec" "
		cd repo &&
		same_as_git --porcelain=v2 -z -- $spec &&
		same_as_git -- $spec &&
		same_as_git -s -uall -- $spec
	"
done

test_expect_success 'pathspecs with --ignored are left to git (git shows build/ for -- b)' '
	cd repo &&
	mkdir -p build && echo x >build/x && echo build/ >>.gitignore &&
	status_is_git_status --porcelain --ignored=matching -- b &&
	status_fell_back pathspec "pathspecs with --ignored" &&
	grep "^!! build/$" "$TRASH_DIRECTORY/actual.out"
'

for spec in "." ".." "../top" "s" "new" "un" "../u" "../other/o"
do
	test_expect_success "from t/: -- $spec" "
		cd repo/t &&
		same_as_git --porcelain=v2 -z -- $spec &&
		same_as_git -- $spec &&
		same_as_git -s -- $spec
	"
done

for spec in "u/f" "u/deep" "t/new/h"
do
	test_expect_success "below an untracked directory: -- $spec is left to git" "
		cd repo &&
		status_is_git_status --porcelain=v2 -z -- $spec &&
		status_fell_back
	"
done

for spec in "t/*" ":(exclude)t" "*.o" ":!top"
do
	test_expect_success "globs and magic are left to git: -- $spec" "
		cd repo &&
		status_is_git_status --porcelain=v2 -z -- '$spec' &&
		status_fell_back
	"
done

test_done
