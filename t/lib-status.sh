# lib-status.sh: helpers for the t70xx scripts, which compare
# `git fswatch-status` with `git status`.  Source it after test-lib.sh.

. "$TEST_DIRECTORY"/lib-trace.sh

# status_is_git_status [<args>...]: git fswatch-status and git status print
# the same bytes on both streams and exit with the same code.  The trace of
# our command is kept in "$TRASH_DIRECTORY/trace" for status_answered_itself
# and status_fell_back.  git status takes no optional lock: it prints the
# same, but does not rewrite the index behind our status cache, which would
# make whether the next answer comes from the cache depend on the clock.
status_is_git_status () {
	git --no-optional-locks status "$@" >"$TRASH_DIRECTORY/expect.out" \
		2>"$TRASH_DIRECTORY/expect.err"
	echo $? >"$TRASH_DIRECTORY/expect.code"
	rm -f "$TRASH_DIRECTORY/trace"
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
	git fswatch-status "$@" >"$TRASH_DIRECTORY/actual.out" 2>"$TRASH_DIRECTORY/actual.err"
	echo $? >"$TRASH_DIRECTORY/actual.code"
	test_cmp "$TRASH_DIRECTORY/expect.out" "$TRASH_DIRECTORY/actual.out" &&
	test_cmp "$TRASH_DIRECTORY/expect.err" "$TRASH_DIRECTORY/actual.err" &&
	test_cmp "$TRASH_DIRECTORY/expect.code" "$TRASH_DIRECTORY/actual.code"
}

# status_answered_itself: the last status_is_git_status printed its own
# answer (computed here, or by the helper's daemon), without running git
# status.
status_answered_itself () {
	trace_lacks "$TRASH_DIRECTORY/trace" status.decline &&
	{
		test "$(trace_count "$TRASH_DIRECTORY/trace" status.answered)" -gt 0 ||
		trace_has "$TRASH_DIRECTORY/trace" status.warm
	}
}

# status_fell_back [<code> [<part of the detail>]]: the last
# status_is_git_status ran the real git status (because of a decline with
# that code, whose detail says that, when given).
status_fell_back () {
	trace_has "$TRASH_DIRECTORY/trace" status.decline ${1:+"code=$1"} ${2:+"detail~$2"}
}

# same_as_git [<args>...]: status_is_git_status, and our own answer.
same_as_git () {
	status_is_git_status "$@" &&
	status_answered_itself
}
