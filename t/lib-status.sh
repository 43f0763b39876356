# lib-status.sh: helpers for the t70xx scripts, which compare
# `git fswatch-status` with `git status`.  Source it after test-lib.sh.

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
	if grep "falling back" "$TRASH_DIRECTORY/trace" >&4
	then
		echo >&4 "fswatch-status fell back to git status"
		return 1
	fi
	grep -e "answered without git status" -e "status: warm answer" \
		"$TRASH_DIRECTORY/trace" >/dev/null
}

# status_fell_back [<reason>]: the last status_is_git_status ran the real git
# status (because of <reason>, a grep pattern, when given).
status_fell_back () {
	grep "falling back to git status.*${1:-}" "$TRASH_DIRECTORY/trace" >/dev/null || {
		echo >&4 "fswatch-status did not fall back${1:+ because of '$1'}; trace:"
		cat "$TRASH_DIRECTORY/trace" >&4
		return 1
	}
}

# same_as_git [<args>...]: status_is_git_status, and our own answer.
same_as_git () {
	status_is_git_status "$@" &&
	status_answered_itself
}
