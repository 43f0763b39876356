#!/bin/sh

test_description='a full scan over several processes answers as git status

GIT_FSWATCH_SCAN_PROCESSES sets how many processes a full scan uses.  With
several, the trace must say so, and every format must print what git status
prints, on a tree with changes, deletions, type changes, untracked and
ignored files spread over many directories; with 1 the scan must not fork.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-status.sh"

# the cold engine only (t7600-status-warm.sh tests the daemon)
GIT_FSWATCH_TEST_NO_WARM=1
export GIT_FSWATCH_TEST_NO_WARM

test_expect_success 'setup' '
	git init -q -b main repo &&
	(
		cd repo &&
		for a in 0 1 2 3 4
		do
			for b in 0 1 2 3
			do
				mkdir -p "d$a/e$b/f" &&
				test_write_lines "d$a/e$b 1" >"d$a/e$b/one" &&
				test_write_lines "d$a/e$b 2" >"d$a/e$b/two" &&
				test_write_lines "d$a/e$b 3" >"d$a/e$b/f/three" || return 1
			done
		done &&
		echo "*.o" >.gitignore &&
		echo top >top &&
		git add . &&
		git commit -q -m base &&
		echo changed >>d0/e0/one &&
		rm d1/e1/two &&
		chmod +x d2/e2/one &&
		rm -r d3/e3/f && echo file >d3/e3/f &&
		rm d4/e0/one && ln -s two d4/e0/one &&
		echo new >d1/e3/new &&
		echo obj >d2/e1/x.o &&
		mkdir -p d4/untracked/deep && echo u >d4/untracked/deep/u &&
		echo staged >>d0/e2/two && git add d0/e2/two
	)
'

for fmt in "--porcelain=v2 -z" "-s" "" "-uall --ignored" "--porcelain -unormal --ignored=matching"
do
	test_expect_success "three processes: git status $fmt" '
		cd repo &&
		(
			GIT_FSWATCH_SCAN_PROCESSES=3 &&
			export GIT_FSWATCH_SCAN_PROCESSES &&
			same_as_git $fmt
		) &&
		trace_has "$TRASH_DIRECTORY/trace" status.parallel-scan processes=3 &&
		trace_lacks "$TRASH_DIRECTORY/trace" status.parallel-failed
	'
done

test_expect_success 'one process: no fork, the same answer' '
	cd repo &&
	(
		GIT_FSWATCH_SCAN_PROCESSES=1 &&
		export GIT_FSWATCH_SCAN_PROCESSES &&
		same_as_git --porcelain=v2 -z
	) &&
	trace_has "$TRASH_DIRECTORY/trace" status.scanned directories=45 &&
	trace_lacks "$TRASH_DIRECTORY/trace" status.parallel-scan
'

test_expect_success 'a small index is scanned in one process by default' '
	cd repo &&
	test -z "$GIT_FSWATCH_SCAN_PROCESSES" &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.scanned directories=45 &&
	trace_lacks "$TRASH_DIRECTORY/trace" status.parallel-scan
'

test_done
