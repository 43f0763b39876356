# test-lib.sh: the shell test harness of git-fswatch.
#
# A test script sets test_description, sources this file, declares tests with
# test_expect_success / test_expect_failure and ends with test_done.  Output is
# TAP, so `prove` runs the suite.  Options: -v/--verbose (show the output of
# the tests), -i/--immediate (stop at the first failure), -x (trace the test
# bodies with set -x), -d/--debug (keep the trash directory even on success).

# ---- options ---------------------------------------------------------------
verbose= immediate= trace= debug=
for opt
do
	case $opt in
	-v|--verbose) verbose=t ;;
	-i|--immediate) immediate=t ;;
	-x|--trace) trace=t; verbose=t ;;
	-d|--debug) debug=t ;;
	-h|--help)
		echo "usage: sh $0 [-v] [-i] [-x] [-d]"
		exit 0 ;;
	*) echo "error: unknown test option '$opt'" >&2; exit 1 ;;
	esac
done

# ---- locations -------------------------------------------------------------
if test -z "$TEST_DIRECTORY"
then
	TEST_DIRECTORY=$(pwd)
fi
TEST_DIRECTORY=$(cd "$TEST_DIRECTORY" && pwd -P) || exit 1
SRC_DIR=$(cd "$TEST_DIRECTORY/.." && pwd -P) || exit 1
: "${TEST_OUTPUT_DIRECTORY:=$TEST_DIRECTORY}"
TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.sh}
TRASH_DIRECTORY="$TEST_OUTPUT_DIRECTORY/trash directory.$TEST_NAME"
export TEST_DIRECTORY SRC_DIR TRASH_DIRECTORY

# The python that runs the commands under test: the project's test venv when
# there is one (made by `make test`), else whatever python3 is.
if test -z "$GIT_FSWATCH_PYTHON"
then
	if test -x "$SRC_DIR/.venv/bin/python"
	then
		GIT_FSWATCH_PYTHON="$SRC_DIR/.venv/bin/python"
	else
		GIT_FSWATCH_PYTHON=python3
	fi
fi
PYTHON=$GIT_FSWATCH_PYTHON
export GIT_FSWATCH_PYTHON PYTHON

# ---- a clean, predictable environment --------------------------------------
for v in $(env | sed -n -e 's/^\(GIT_[A-Za-z0-9_]*\)=.*/\1/p' -e 's/^\(XDG_[A-Za-z0-9_]*\)=.*/\1/p')
do
	case $v in
	GIT_FSWATCH_PYTHON|GIT_FSWATCH_TEST_*) ;;
	*) unset "$v" ;;
	esac
done
unset EMAIL VISUAL EDITOR PAGER LESS CDPATH GREP_OPTIONS
LANG=C LC_ALL=C TZ=UTC TERM=dumb
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com
GIT_PAGER=cat PAGER=cat
export LANG LC_ALL TZ TERM GIT_CONFIG_NOSYSTEM PAGER GIT_PAGER \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
PATH="$SRC_DIR/bin:$PATH"
export PATH
LF='
'
# A byte nobody types, for names and IFS tricks.
TAB=$(printf '\t')

# ---- output ----------------------------------------------------------------
# fd 5 is the TAP stream; fd 3 and 4 carry a test's stdout and stderr, which
# reach the terminal only with --verbose.
exec 5>&1
if test -n "$verbose"
then
	exec 3>&1 4>&2
else
	exec 3>/dev/null 4>/dev/null
fi

say () {
	printf '%s\n' "$*" >&5
}

say_comment () {
	printf '%s\n' "$*" | sed -e 's/^/# /' >&5
}

# ---- counters and cleanup --------------------------------------------------
test_count=0 test_success=0 test_failure=0 test_fixed=0 test_broken=0 test_skipped=0
test_cleanup=:
test_atexit_cleanup=:
test_done_called=

die () {
	code=$?
	if test -z "$test_done_called"
	then
		test_run_atexit
		say "Bail out! $TEST_NAME: test script exited early (code $code) in or after test $test_count"
		exit 1
	fi
}
trap 'die' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

error () {
	say "Bail out! error: $*"
	test_done_called=t
	exit 1
}

test_run_atexit () {
	(cd "$TRASH_DIRECTORY" 2>/dev/null && eval "$test_atexit_cleanup") >&3 2>&4
	test_atexit_cleanup=:
}

# test_when_finished <script>: run <script> after the current test, whether it
# passes or fails.  A failing cleanup fails the test.
test_when_finished () {
	test_cleanup="{ $*
		} && (exit \"\$eval_ret\"); eval_ret=\$?; $test_cleanup"
}

# test_atexit <script>: run <script> when the test script ends, however it
# ends.  Use it to stop daemons started by the tests.
test_atexit () {
	test_atexit_cleanup="{ $*
		} ; $test_atexit_cleanup"
}

# ---- prerequisites ---------------------------------------------------------
satisfied_prereq=" "
missing_prereq=" "
lazy_prereqs=" "

test_set_prereq () {
	satisfied_prereq="$satisfied_prereq$1 "
}

# test_lazy_prereq NAME <script>: NAME holds if <script> succeeds; the script
# runs (in a scratch directory) the first time a test asks for NAME.
test_lazy_prereq () {
	lazy_prereqs="$lazy_prereqs$1 "
	eval "lazy_prereq_script_$1=\$2"
}

test_have_prereq () {
	save_IFS=$IFS
	IFS=,
	set -- $*
	IFS=$save_IFS
	for p
	do
		negate=
		case $p in
		!*) negate=t; p=${p#!} ;;
		esac
		case $satisfied_prereq in *" $p "*) have=t ;; *)
			case $missing_prereq in *" $p "*) have= ;; *)
				case $lazy_prereqs in *" $p "*)
					eval "script=\$lazy_prereq_script_$p"
					mkdir -p "$TRASH_DIRECTORY/prereq-$p" &&
					if (cd "$TRASH_DIRECTORY/prereq-$p" && eval "$script") >&3 2>&4
					then
						satisfied_prereq="$satisfied_prereq$p "
						have=t
					else
						missing_prereq="$missing_prereq$p "
						have=
					fi
					rm -rf "$TRASH_DIRECTORY/prereq-$p"
					;;
				*) have= ;;
				esac ;;
			esac ;;
		esac
		if test -n "$negate"
		then
			test -z "$have" || return 1
		else
			test -n "$have" || return 1
		fi
	done
	return 0
}

# ---- running tests ---------------------------------------------------------
test_eval_ () {
	# Run in the trash directory, in this shell, so that variables set by one
	# test are seen by the next, as in git's own harness.
	cd "$TRASH_DIRECTORY" || error "cannot cd to the trash directory"
	if test -n "$trace"
	then
		set -x
	fi
	eval "$1" </dev/null >&3 2>&4
	eval_ret=$?
	set +x
	if test -z "$trace" && test "$eval_ret" != 0 && test -n "$verbose"
	then
		say_comment "test body exited $eval_ret"
	fi
	return $eval_ret
}

test_run_ () {
	test_cleanup=:
	test_eval_ "$1"
	eval_ret=$?
	cd "$TRASH_DIRECTORY"
	eval "$test_cleanup" </dev/null >&3 2>&4
	cleanup_ret=$?
	cd "$TRASH_DIRECTORY"
	test "$eval_ret" = 0 && test "$cleanup_ret" = 0
}

test_start_ () {
	test_count=$((test_count + 1))
}

test_skip_ () {
	# $1 title, $2 prereqs
	if test -n "$2" && ! test_have_prereq "$2"
	then
		test_skipped=$((test_skipped + 1))
		say "ok $test_count # skip $1 (missing $2)"
		return 0
	fi
	return 1
}

test_expect_success () {
	test_prereq=
	if test $# = 3
	then
		test_prereq=$1
		shift
	fi
	test $# = 2 || error "bug in the test script: not 2 or 3 parameters to test_expect_success"
	test_start_
	test_skip_ "$1" "$test_prereq" && return 0
	if test -n "$verbose"
	then
		say_comment "expecting success of $test_count '$1':$LF$2"
	fi
	if test_run_ "$2"
	then
		test_success=$((test_success + 1))
		say "ok $test_count - $1"
	else
		test_failure=$((test_failure + 1))
		say "not ok $test_count - $1"
		say_comment "$2"
		if test -n "$immediate"
		then
			test_run_atexit
			say "Bail out! -i given: stopping at the first failure; trash kept in $TRASH_DIRECTORY"
			test_done_called=t
			exit 1
		fi
	fi
}

test_expect_failure () {
	test_prereq=
	if test $# = 3
	then
		test_prereq=$1
		shift
	fi
	test $# = 2 || error "bug in the test script: not 2 or 3 parameters to test_expect_failure"
	test_start_
	test_skip_ "$1" "$test_prereq" && return 0
	if test_run_ "$2"
	then
		test_fixed=$((test_fixed + 1))
		say "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		say "not ok $test_count - $1 # TODO known breakage"
	fi
}

test_done () {
	test_done_called=t
	test_run_atexit
	say "1..$test_count"
	if test "$test_fixed" != 0
	then
		say_comment "$test_fixed known breakage(s) vanished; please update test(s)"
	fi
	if test "$test_broken" != 0
	then
		say_comment "still have $test_broken known breakage(s)"
	fi
	if test "$test_failure" != 0
	then
		say_comment "failed $test_failure among $test_count test(s); trash kept in $TRASH_DIRECTORY"
		exit 1
	fi
	say_comment "passed all $test_count test(s)"
	cd "$TEST_OUTPUT_DIRECTORY" || exit 1
	if test -z "$debug"
	then
		rm -rf "$TRASH_DIRECTORY"
	fi
	exit 0
}

# ---- helpers for test bodies -----------------------------------------------
test_cmp () {
	test $# = 2 || error "bug in the test script: test_cmp takes 2 arguments"
	diff -u "$1" "$2"
}

# test_must_fail <cmd>: <cmd> must fail in an ordinary way.  Dying from a
# signal, or not being found at all, is not an ordinary failure.
test_must_fail () {
	"$@" 2>&7
	exit_code=$?
	if test $exit_code -eq 0
	then
		echo >&4 "test_must_fail: command succeeded: $*"
		return 1
	elif test $exit_code -gt 129 && test $exit_code -le 192
	then
		echo >&4 "test_must_fail: died by signal $((exit_code - 128)): $*"
		return 1
	elif test $exit_code -eq 127
	then
		echo >&4 "test_must_fail: command not found: $*"
		return 1
	elif test $exit_code -eq 126
	then
		echo >&4 "test_must_fail: command not executable: $*"
		return 1
	fi
	return 0
} 7>&2 2>&4

# test_expect_code <code> <cmd>: <cmd> must exit with <code>.
test_expect_code () {
	want=$1
	shift
	"$@" 2>&7
	exit_code=$?
	if test "$exit_code" = "$want"
	then
		return 0
	fi
	echo >&4 "test_expect_code: command exited with $exit_code, we wanted $want: $*"
	return 1
} 7>&2 2>&4

test_path_is_file () {
	test -f "$1" || { echo >&4 "File $1 does not exist"; return 1; }
}

test_path_is_dir () {
	test -d "$1" || { echo >&4 "Directory $1 does not exist"; return 1; }
}

test_path_is_missing () {
	if test -e "$1" || test -L "$1"
	then
		echo >&4 "Path $1 exists but should not"
		return 1
	fi
}

test_must_be_empty () {
	test_path_is_file "$1" &&
	if test -s "$1"
	then
		echo >&4 "'$1' is not empty, it contains:"
		cat "$1" >&4
		return 1
	fi
}

# test_line_count (= | -lt | -ge | ...) <n> <file>
test_line_count () {
	test $# = 3 || error "bug in the test script: test_line_count takes 3 arguments"
	n=$(wc -l <"$3")
	if ! test "$n" "$1" "$2"
	then
		echo >&4 "test_line_count: line count for $3 !$1 $2 (it is $n)"
		cat "$3" >&4
		return 1
	fi
}

test_write_lines () {
	printf '%s\n' "$@"
}

# write_script <file> [<interpreter>]: the script's body comes on stdin.
write_script () {
	{
		echo "#!${2:-/bin/sh}" &&
		cat
	} >"$1" &&
	chmod +x "$1"
}

# test_commit <message> [<file> [<contents>]]: commit a change to <file>.
test_commit () {
	file=${2:-$1.t}
	printf '%s\n' "${3:-$1}" >"$file" &&
	git add -- "$file" &&
	git commit -q -m "$1" &&
	git tag "$1"
}

test_seq () {
	"$PYTHON" -c 'import sys; print("\n".join(map(str, range(int(sys.argv[1]), int(sys.argv[2]) + 1))))' "$@"
}

# ---- prerequisites every script may use ------------------------------------
test_lazy_prereq INOTIFY '
	"$PYTHON" -c "import inotify_simple; inotify_simple.INotify().close()"
'
test_lazy_prereq PYGIT2 '
	"$PYTHON" -c "import pygit2"
'
test_lazy_prereq SYMLINKS '
	ln -s x y && test -h y
'
test_lazy_prereq FUNNYNAMES '
	>"$(printf "a\nb")" && >"$(printf "c\td")" && >"e\\f"
'
test_lazy_prereq NOT_ROOT '
	test "$(id -u)" != 0
'

# ---- the trash directory ---------------------------------------------------
rm -rf "$TRASH_DIRECTORY" || error "cannot remove the old trash directory"
mkdir -p "$TRASH_DIRECTORY" || error "cannot make the trash directory"
HOME=$TRASH_DIRECTORY
export HOME
cd "$TRASH_DIRECTORY" || error "cannot cd to the trash directory"
git init -q -b main . >&3 2>&4 || error "cannot run git init"
