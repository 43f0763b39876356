#!/bin/sh

test_description='git fswatch-status prints what git status prints

The first parity checks: a fresh repository, an untracked file, the common
formats, usage errors.  The exhaustive comparisons live in later t7xxx scripts.'

. ./test-lib.sh

# The comparisons write their files beside the repository, not in it.
test_expect_success 'setup' '
	git init -q -b main repo
'

# status_is_git_status [<args>...]: git fswatch-status and git status print
# the same bytes, on both streams, with the same exit code.
out=$TRASH_DIRECTORY
status_is_git_status () {
	git status "$@" >"$out/expect.out" 2>"$out/expect.err"
	echo $? >"$out/expect.code"
	git fswatch-status "$@" >"$out/actual.out" 2>"$out/actual.err"
	echo $? >"$out/actual.code"
	test_cmp "$out/expect.out" "$out/actual.out" &&
	test_cmp "$out/expect.err" "$out/actual.err" &&
	test_cmp "$out/expect.code" "$out/actual.code"
}

test_expect_success 'git finds the command on PATH' '
	git fswatch-status -h >usage
	test $? = 129 &&
	grep "^usage: git fswatch-status" usage
'

test_expect_success 'a fresh repository with no commit' '
	cd repo &&
	status_is_git_status
'

test_expect_success 'a fresh repository with an untracked file' '
	cd repo &&
	echo hello >untracked &&
	status_is_git_status &&
	grep untracked "$out/actual.out"
'

for args in "" "-s" "--short" "--porcelain" "--porcelain=v2" "-z" "-b -s" "--long" "-uno" "-uall"
do
	test_expect_success "same output for '$args' after a commit and changes" "
		cd repo &&
		if ! git rev-parse -q --verify HEAD >/dev/null
		then
			echo one >tracked && git add tracked untracked && git commit -q -m one &&
			echo two >>tracked && echo new >new && mkdir dir && echo x >dir/file
		fi &&
		status_is_git_status $args
	"
done

test_expect_success 'an unknown option is a usage error, as in git status' '
	cd repo &&
	test_expect_code 129 git fswatch-status --no-such-option &&
	status_is_git_status --no-such-option
'

test_expect_success 'outside a repository it fails as git status does' '
	mkdir -p "$TRASH_DIRECTORY/../not-a-repo-$$" &&
	test_when_finished "rm -rf \"$TRASH_DIRECTORY/../not-a-repo-$$\"" &&
	(
		cd "$TRASH_DIRECTORY/../not-a-repo-$$" &&
		GIT_CEILING_DIRECTORIES=$(cd .. && pwd) &&
		export GIT_CEILING_DIRECTORIES &&
		status_is_git_status
	)
'

test_expect_success 'inside the git dir and in a bare repository, as git status' '
	(cd repo/.git && status_is_git_status) &&
	git clone -q --bare repo bare.git &&
	(cd bare.git && status_is_git_status)
'

test_expect_success 'in a linked worktree, with its own HEAD, merge state and stash' '
	cd repo &&
	git worktree add -q -b wt-branch ../wt &&
	cd ../wt &&
	echo wt >>tracked && echo x >wt-new &&
	status_is_git_status &&
	status_is_git_status -sb &&
	status_is_git_status --porcelain=v2 -b --show-stash &&
	git stash -q && status_is_git_status --show-stash &&
	git checkout -q --detach && status_is_git_status
'

test_expect_success 'GIT_DIR and GIT_WORK_TREE from outside the worktree' '
	GIT_DIR="$TRASH_DIRECTORY/repo/.git" GIT_WORK_TREE="$TRASH_DIRECTORY/repo" &&
	export GIT_DIR GIT_WORK_TREE &&
	test_when_finished "unset GIT_DIR GIT_WORK_TREE" &&
	status_is_git_status -s
'

test_done
