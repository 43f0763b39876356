#!/bin/sh

test_description='git fswatch-status: branch, upstream, detached HEAD and stash

The branch line and the upstream'"'"'s tracking message of the long format,
"## ..." of the short format and "# branch.*" of porcelain v2: no commit yet,
up to date, ahead, behind, diverged, gone, a local upstream,
--no-ahead-behind; HEAD detached at a tag, a remote branch or a commit and
detached from it after a commit; stash counts.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-status.sh

# check_all [<args>]: same_as_git in the formats that print branch
# information (and with <args>).
ab="--no-ahead-behind"
check_all () {
	for args in "" "-sb" "--porcelain=v2 -b --show-stash" ${1+"$@"}
	do
		same_as_git $args || return 1
	done
}

test_expect_success 'no commit yet' '
	git init -q -b main repo && cd repo &&
	check_all &&
	echo a >a && check_all &&
	git add a && check_all
'

test_expect_success 'setup: an upstream repository' '
	git init -q -b main up && (cd up && test_commit u1 && test_commit u2) &&
	cd repo && git remote add origin ../up && git fetch -q origin &&
	git checkout -q -b main origin/main 2>/dev/null ||
	git reset -q --hard origin/main && git branch -q -u origin/main
'

test_expect_success 'up to date with the upstream' '
	cd repo &&
	check_all $ab "-sb $ab" "--porcelain=v2 -b $ab"
'

test_expect_success 'ahead of the upstream by one, then two commits' '
	cd repo &&
	test_commit ahead1 && check_all &&
	test_commit ahead2 && check_all $ab "-sb $ab"
'

test_expect_success 'diverged from the upstream' '
	(cd up && test_commit u3) && cd repo && git fetch -q && check_all $ab "-sb $ab"
'

test_expect_success 'behind the upstream by one, then two commits' '
	cd repo &&
	git checkout -q -b behind origin/main~1 && git branch -q -u origin/main &&
	check_all &&
	git reset -q --hard origin/main~2 && check_all $ab "--porcelain=v2 -b $ab"
'

test_expect_success 'replace refs and shallow history: counted as git counts them' '
	cd repo &&
	git checkout -q main &&
	git replace HEAD~1 origin/main~1 &&
	test_when_finished "git -C repo replace -d HEAD~1 >/dev/null" &&
	same_as_git -sb && same_as_git &&
	git -C .. clone -q --depth 1 "file://$TRASH_DIRECTORY/up" shallow &&
	(cd ../shallow && git commit -q --allow-empty -m s && same_as_git -sb)
'

test_expect_success 'the upstream is gone' '
	cd repo &&
	git checkout -q -b orphaned main &&
	git config branch.orphaned.remote origin &&
	git config branch.orphaned.merge refs/heads/gone-away &&
	check_all
'

test_expect_success 'a local branch as the upstream' '
	cd repo &&
	git checkout -q -b local-up main && git branch -q -u behind &&
	check_all
'

test_expect_success 'an ambiguous upstream name is git'"'"'s to print' '
	cd repo &&
	git checkout -q main && git tag origin/main main~1 &&
	test_when_finished "git -C repo tag -d origin/main" &&
	status_is_git_status &&
	status_fell_back upstream ambiguous &&
	status_is_git_status -sb
'

test_expect_success 'detached at a tag, then from it' '
	cd repo &&
	git checkout -q ahead1 && check_all &&
	echo d >d && git add d && git commit -q -m detached && check_all
'

test_expect_success 'detached at a remote-tracking branch, then from it' '
	cd repo &&
	git checkout -q origin/main && check_all &&
	git commit -q --allow-empty -m e && check_all
'

test_expect_success 'detached at a commit named by its id or a revision' '
	cd repo &&
	git checkout -q "$(git rev-parse main~1)" && same_as_git &&
	git checkout -q main~1 && same_as_git &&
	git checkout -q HEAD^0 && check_all
'

test_expect_success 'detached at a branch with --detach, at a full or packed ref name' '
	cd repo &&
	git checkout -q --detach main && check_all &&
	git commit -q --allow-empty -m f && same_as_git &&
	git tag -a -m annotated annotated main~1 &&
	git checkout -q annotated && same_as_git &&
	git checkout -q refs/tags/ahead1 && same_as_git &&
	git pack-refs --all &&
	git checkout -q refs/tags/ahead2 && same_as_git &&
	git checkout -q ahead1 && same_as_git
'

test_expect_success 'detached at an ambiguous name is git'"'"'s to print' '
	cd repo &&
	git branch -q ahead1 ahead1 && test_when_finished "git -C repo branch -D ahead1 >/dev/null" &&
	git checkout -q --detach ahead1 2>/dev/null &&
	status_is_git_status &&
	status_fell_back detached-head ambiguous &&
	git checkout -q --detach HEAD
'

test_expect_success 'detached with no checkout in the reflog' '
	cd repo &&
	git update-ref --no-deref HEAD "$(git rev-parse main)" &&
	mv .git/logs/HEAD .git/logs/HEAD.save &&
	test_when_finished "mv repo/.git/logs/HEAD.save repo/.git/logs/HEAD" &&
	check_all
'

test_expect_success 'a branch that is a symbolic ref is git'"'"'s to name' '
	cd repo &&
	git symbolic-ref refs/heads/alias refs/heads/main &&
	test_when_finished "git -C repo checkout -q main && git -C repo symbolic-ref -d refs/heads/alias" &&
	git symbolic-ref HEAD refs/heads/alias &&
	status_is_git_status && status_fell_back head symbolic &&
	status_is_git_status -sb
'

test_expect_success 'stash counts of one and two' '
	cd repo &&
	git checkout -q main &&
	echo s >>ahead1.t && git stash -q && check_all --show-stash &&
	echo t >>ahead1.t && git stash -q && check_all --show-stash &&
	git stash clear && check_all --show-stash
'

test_done
