#!/bin/sh

test_description='the test harness itself

If these fail, nothing else in t/ can be trusted: a harness whose failing
tests pass would make every other script meaningless.'

. ./test-lib.sh

# run_sub_test <name> <body>: write a test script <name>.sh made of <body>,
# run it with this harness, and keep its TAP output in <name>/out and its exit
# code in <name>/code.
run_sub_test () {
	mkdir -p "$1" &&
	{
		cat <<-EOF &&
		#!/bin/sh
		test_description='sub-test $1'
		. "\$TEST_DIRECTORY"/test-lib.sh
		EOF
		printf '%s\n' "$2"
	} >"$1/$1.sh" &&
	(
		cd "$1" &&
		TEST_OUTPUT_DIRECTORY=$(pwd) &&
		export TEST_DIRECTORY TEST_OUTPUT_DIRECTORY &&
		sh "./$1.sh" $3 >out 2>err
		echo $? >code
	)
}

test_expect_success 'a passing test passes' '
	run_sub_test pass "
		test_expect_success \"true is true\" \"true\"
		test_done
	" &&
	printf "%s\n" "ok 1 - true is true" "1..1" "# passed all 1 test(s)" >expect &&
	test_cmp expect pass/out &&
	echo 0 >expect &&
	test_cmp expect pass/code &&
	test_path_is_missing "pass/trash directory.pass"
'

test_expect_success 'a failing test fails, the script fails, the trash is kept' '
	run_sub_test fail "
		test_expect_success \"first\" \"true\"
		test_expect_success \"second\" \"false\"
		test_expect_success \"third\" \"true\"
		test_done
	" &&
	grep "^ok 1 - first\$" fail/out &&
	grep "^not ok 2 - second\$" fail/out &&
	grep "^ok 3 - third\$" fail/out &&
	grep "^1\\.\\.3\$" fail/out &&
	grep "^# failed 1 among 3 test(s)" fail/out &&
	echo 1 >expect &&
	test_cmp expect fail/code &&
	test_path_is_dir "fail/trash directory.fail"
'

test_expect_success 'a broken &&-chain link fails the test' '
	run_sub_test chain "
		test_expect_success \"chain\" \"false && true\"
		test_done
	" &&
	grep "^not ok 1 - chain" chain/out
'

test_expect_success '-i stops at the first failure' '
	run_sub_test immediate "
		test_expect_success \"one\" \"false\"
		test_expect_success \"two\" \"true\"
		test_done
	" -i &&
	grep "^not ok 1 - one" immediate/out &&
	! grep "two" immediate/out &&
	grep "^Bail out!" immediate/out &&
	test "$(cat immediate/code)" != 0
'

test_expect_success 'test_expect_failure reports known breakage and vanished breakage' '
	run_sub_test known "
		test_expect_failure \"broken\" \"false\"
		test_expect_failure \"fixed\" \"true\"
		test_done
	" &&
	grep "^not ok 1 - broken # TODO known breakage\$" known/out &&
	grep "^ok 2 - fixed # TODO known breakage vanished\$" known/out &&
	echo 0 >expect &&
	test_cmp expect known/code
'

test_expect_success 'a script that dies early bails out' '
	run_sub_test early "
		test_expect_success \"one\" \"true\"
		exit 0
	" &&
	grep "^Bail out!" early/out &&
	test "$(cat early/code)" != 0
'

test_expect_success 'test_when_finished runs after success and after failure' '
	run_sub_test finished "
		test_expect_success \"passes\" \"
			test_when_finished \\\"echo ran-pass >>../log\\\" &&
			true
		\"
		test_expect_success \"fails\" \"
			test_when_finished \\\"echo ran-fail >>../log\\\" &&
			false
		\"
		test_done
	" &&
	test_write_lines ran-pass ran-fail >expect &&
	test_cmp expect finished/log &&
	grep "^ok 1 - passes" finished/out &&
	grep "^not ok 2 - fails" finished/out
'

test_expect_success 'a failing cleanup fails the test' '
	run_sub_test badcleanup "
		test_expect_success \"cleanup fails\" \"
			test_when_finished false &&
			true
		\"
		test_done
	" &&
	grep "^not ok 1 - cleanup fails" badcleanup/out
'

test_expect_success 'test_atexit runs when the script ends, even on failure' '
	run_sub_test atexit "
		test_expect_success \"register\" \"
			test_atexit \\\"echo atexit-ran >>../log\\\"
		\"
		test_expect_success \"fail\" \"false\"
		test_done
	" &&
	echo atexit-ran >expect &&
	test_cmp expect atexit/log
'

test_lazy_prereq HAVE_TRUE 'true'
test_lazy_prereq HAVE_FALSE 'false'

test_expect_success HAVE_TRUE 'a satisfied lazy prerequisite runs the test' '
	echo ran >prereq-ran
'

test_expect_success HAVE_FALSE 'an unsatisfied lazy prerequisite skips the test' '
	echo ran >prereq-should-not-run
'

test_expect_success 'prerequisites were evaluated as declared' '
	test_path_is_file prereq-ran &&
	test_path_is_missing prereq-should-not-run &&
	test_have_prereq HAVE_TRUE &&
	! test_have_prereq HAVE_FALSE &&
	test_have_prereq !HAVE_FALSE
'

test_expect_success 'test_must_fail accepts failure, refuses success and signals' '
	test_must_fail false &&
	! test_must_fail true &&
	! test_must_fail sh -c "kill -9 \$\$" &&
	! test_must_fail command-that-does-not-exist
'

test_expect_success 'test_expect_code checks the exact code' '
	test_expect_code 3 sh -c "exit 3" &&
	! test_expect_code 3 sh -c "exit 4"
'

test_expect_success 'test_cmp fails on different files' '
	echo a >a && echo b >b &&
	! test_cmp a b &&
	test_cmp a a
'

test_expect_success 'the environment is clean and HOME is the trash directory' '
	test "$HOME" = "$TRASH_DIRECTORY" &&
	test "$(pwd -P)" = "$(cd "$TRASH_DIRECTORY" && pwd -P)" &&
	env >env.out &&
	! grep -v "^GIT_\(FSWATCH_PYTHON\|CONFIG_NOSYSTEM\|PAGER\|AUTHOR_NAME\|AUTHOR_EMAIL\|COMMITTER_NAME\|COMMITTER_EMAIL\)=" env.out |
		grep "^\(GIT\|XDG\)_"
'

test_expect_success 'variables set in one test are seen by the next' '
	shared_variable=42
'

test_expect_success '... like this' '
	test "$shared_variable" = 42
'

test_expect_success 'the commands under test come from this source tree' '
	test "$(command -v git-fswatch-status)" = "$SRC_DIR/bin/git-fswatch-status" &&
	test "$(command -v git-fswatch-notify)" = "$SRC_DIR/bin/git-fswatch-notify"
'

test_done
