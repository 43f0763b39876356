#!/bin/sh

test_description='git fswatch-status prints every format as git status does

One repository with every kind of change (staged, unstaged, renames, type
changes, the exec bit, intent-to-add, deletions, untracked and ignored files,
names with spaces, tabs and UTF-8), printed in the long, short, porcelain v1
and v2 formats, with and without -z, -b, -u and --ignored; first with no
helper, then with the inotify helper answering.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-status.sh

test_expect_success 'setup: a repository with changes of every kind' '
	git init -q -b main repo && cd repo &&
	echo one >kept && echo two >modified && echo three >deleted &&
	echo four >staged-del && echo five >typechange && echo six >old-name &&
	test_seq 1 50 >renamed-mod && mkdir -p dir/sub && echo x >dir/sub/x &&
	echo q >"with space" && echo u >"utf-é" &&
	git add . && git commit -q -m base &&
	echo more >>modified && rm deleted && git rm -q staged-del &&
	git mv old-name new-name && git mv renamed-mod renamed-modded &&
	echo 51 >>renamed-modded &&
	echo new >added && git add added &&
	echo s >>"with space" && git add "with space" && echo t >>"utf-é" &&
	chmod +x kept &&
	mkdir -p untracked-dir/deeper && echo u >untracked-dir/deeper/f &&
	echo u >dir/untracked && echo "q\"uote" >"q\"uote" &&
	echo "*.o" >.gitignore && echo o >x.o && echo o >dir/sub/y.o &&
	mkdir ign-dir && echo o >ign-dir/z.o
'

test_expect_success SYMLINKS 'setup: a type change to a symlink' '
	cd repo && rm typechange && ln -s kept typechange &&
	ln -s nowhere untracked-link
'

test_expect_success FUNNYNAMES 'setup: names with a tab and a backslash' '
	cd repo && echo t >"tab	name" && echo b >"back\\slash"
'

formats="
	|-s|--short|-b -s|-sb|--porcelain|--porcelain -b|--porcelain=v1
	|--porcelain=v2|--porcelain=v2 --branch|-z|-s -z|-z -b|--porcelain=v2 -z
	|-uno|-uall|-s -uno|--untracked-files=all --porcelain=v2|--long -b
	|--no-renames|-s --no-renames|-M|--find-renames=90 -s|--show-stash
	|--no-ahead-behind -sb|--ahead-behind|--ignored|--ignored -s
	|--ignored=matching --porcelain|--ignored=no"

# With the helper, the formats that differ most.
helper_formats="|-s|-sb|--porcelain|--porcelain=v2 --branch|-z|-uno|-uall|--no-renames"

# run_all <prefix> [<formats>]: one test per format.
run_all () {
	test -z "$2" || formats=$2
	save_IFS=$IFS
	IFS="|"
	for args in $formats
	do
		IFS=$save_IFS
		args=$(echo $args)
		test_expect_success "$1: '$args'" "
			cd repo &&
			status_is_git_status $args &&
			case '$args' in
			*ignored=[mn]*|*ignored*) ;;
			*) status_answered_itself ;;
			esac
		"
		IFS="|"
	done
	IFS=$save_IFS
}

run_all "no helper"

test_expect_success INOTIFY 'setup: the inotify helper' '
	cd repo && git config core.fswatchHelper "notify --timeout=120" &&
	test_atexit "git -C repo fswatch-notify exit >/dev/null 2>&1 || :" &&
	git fswatch-status >/dev/null &&
	echo changed-after-start >>modified && echo new2 >untracked-dir/g
'

if test_have_prereq INOTIFY
then
	run_all "helper" "$helper_formats"
fi

test_done
