#!/bin/sh

test_description='git fswatch-status: conflicts and operations in progress

Merge conflicts of every kind (both modified, both added, both deleted,
added by us or them, deleted by us or them), a merge with every conflict
resolved, conflicts outside a merge (stash pop), a cherry-pick, revert, am
and bisect in progress; then a rebase and a sequence of picks, which the
long format leaves to git status and the other formats print themselves.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-status.sh

formats () {
	for args in "" "-s" "--porcelain=v2 -b" "-z" ${1+"$@"}
	do
		same_as_git $args || return 1
	done
}

test_expect_success 'setup: two branches that conflict in every way' '
	git init -q -b main repo && cd repo &&
	for f in uu dd ud du keep; do echo base >$f; done && git add . &&
	git commit -q -m base && git checkout -q -b side &&
	echo side >uu && git mv dd dd2 && git rm -q ud && echo s >du &&
	echo side >aa && echo t >ua && git add -A && git commit -q -m side &&
	git checkout -q main && echo main >uu && git mv dd dd3 && echo m >ud &&
	git rm -q du && echo main >aa && echo u >au && git add -A &&
	git commit -q -m main
'

test_expect_success 'a merge with conflicts of every kind' '
	cd repo &&
	test_must_fail git merge -q side >/dev/null &&
	formats -uno &&
	git -c advice.statusHints=false status >../expect.out &&
	git -c advice.statusHints=false fswatch-status >../actual.out &&
	test_cmp ../expect.out ../actual.out
'

test_expect_success 'the same merge with a staged and an unstaged change' '
	cd repo &&
	echo staged >>keep && git add keep && echo wt >>keep && echo new >new &&
	formats
'

test_expect_success 'only both-modified conflicts left' '
	cd repo &&
	git add aa dd2 dd3 du && git rm -q --cached dd ud 2>/dev/null &&
	git checkout -q HEAD -- keep && rm -f new &&
	formats
'

test_expect_success 'every conflict resolved, the merge not committed' '
	cd repo &&
	echo fixed >uu && git add uu &&
	formats -uno
'

test_expect_success 'a merge that changes nothing, not committed' '
	cd repo &&
	git reset -q --hard main && git clean -q -f &&
	git checkout -q -b back main~1 && git commit -q --allow-empty -m empty &&
	git checkout -q main &&
	git merge -q --no-ff --no-commit back >/dev/null 2>&1 &&
	formats -uno &&
	git merge --abort
'

test_expect_success 'conflicts from a stash pop, outside a merge' '
	cd repo &&
	git checkout -q main &&
	echo stashed >>keep && git stash -q &&
	echo other >>keep && git commit -q -a -m other &&
	test_must_fail git stash pop >/dev/null 2>&1 &&
	formats &&
	git checkout -q HEAD -- keep
'

test_expect_success 'a rebase in progress: the long format is git'"'"'s' '
	cd repo &&
	git reset -q --hard main && git stash clear &&
	git checkout -q -b topic main~1 && echo t >keep && git commit -q -a -m topic &&
	test_must_fail git rebase -q main >/dev/null 2>&1 &&
	status_is_git_status &&
	status_fell_back operation rebase &&
	same_as_git -s &&
	same_as_git --porcelain=v2 -b &&
	git rebase --abort
'

test_expect_success 'a cherry-pick in progress, conflicted then resolved' '
	cd repo &&
	git checkout -q main &&
	test_must_fail git cherry-pick topic >/dev/null 2>&1 &&
	formats &&
	echo resolved >keep && git add keep && formats &&
	git cherry-pick --abort
'

test_expect_success 'a sequence of cherry-picks is git'"'"'s to print' '
	cd repo &&
	git checkout -q main &&
	test_must_fail git cherry-pick topic~1 topic >/dev/null 2>&1 &&
	status_is_git_status && status_fell_back operation sequencer &&
	same_as_git -s &&
	git cherry-pick --abort
'

test_expect_success 'a revert in progress' '
	cd repo &&
	git checkout -q topic && echo t2 >keep && git commit -q -a -m topic2 &&
	test_must_fail git revert --no-edit HEAD~1 >/dev/null 2>&1 &&
	formats &&
	git revert --abort
'

test_expect_success 'an am in progress: a patch that does not apply, then with -3' '
	cd repo &&
	git checkout -q main &&
	git format-patch -q -1 --stdout topic >../patch &&
	test_must_fail git am -q ../patch >/dev/null 2>&1 &&
	formats &&
	git am --abort &&
	test_must_fail git am -q -3 ../patch >/dev/null 2>&1 &&
	formats &&
	git am --abort
'

test_expect_success 'a rebase with the apply backend is git'"'"'s to print' '
	cd repo &&
	git checkout -q topic &&
	test_must_fail git rebase -q --apply main >/dev/null 2>&1 &&
	status_is_git_status &&
	status_fell_back operation rebase &&
	same_as_git -s &&
	git rebase --abort
'

test_expect_success 'a bisect in progress' '
	cd repo &&
	git bisect start main main~2 >/dev/null &&
	test_when_finished "git -C repo bisect reset >/dev/null 2>&1" &&
	formats &&
	git checkout -q main~1 && echo x >bisect-new && same_as_git
'

test_done
