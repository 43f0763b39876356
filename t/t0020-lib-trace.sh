#!/bin/sh

test_description='lib-trace.sh: trace_has and trace_lacks match events, not words

A trace written by git_fswatch.trace itself is matched by event name and
fields; a wrong value, a missing field or another event does not match, and
a missing trace file matches nothing either way.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-trace.sh

test_expect_success 'setup: a trace written by git_fswatch.trace' '
	cat >events.py <<-\EOF &&
	from git_fswatch import trace
	trace.event("status.decline", code="submodule", detail="sub/ is a submodule")
	trace.event("daemon.request", action="get", n=3, ok=True, paths=["a", "b"])
	trace.event("daemon.request", action="exit")
	trace.trace("free %s", "words")
	EOF
	GIT_FSWATCH_TRACE="$(pwd)/trace" PYTHONPATH="$SRC_DIR" "$PYTHON" events.py &&
	echo "warning: a line that is not an event" >>trace &&
	test_line_count = 5 trace
'

test_expect_success 'trace_has: by name, by fields, a note by its message' '
	trace_has trace status.decline &&
	trace_has trace status.decline code=submodule &&
	trace_has trace status.decline code=submodule "detail=sub/ is a submodule" &&
	trace_has trace daemon.request action=exit &&
	trace_has trace daemon.request action=get n=3 ok=true "paths=[\"a\", \"b\"]" &&
	trace_has trace note "message=free words"
'

test_expect_success 'trace_has fails on another value, a missing field, another event' '
	test_must_fail trace_has trace status.decline code=sparse 2>err &&
	grep "status.decline code=sparse: 0 such event(s)" err &&
	grep "^  status.decline {\"code\": \"submodule\"" err &&
	test_must_fail trace_has trace daemon.request action=exit n=3 &&
	test_must_fail trace_has trace daemon.request n=4 &&
	test_must_fail trace_has trace daemon.request ok=True &&
	test_must_fail trace_has trace status &&
	test_must_fail trace_has trace note message=free
'

test_expect_success 'trace_lacks is its opposite' '
	trace_lacks trace status.decline code=sparse &&
	trace_lacks trace daemon.exit &&
	test_must_fail trace_lacks trace daemon.request action=exit 2>err &&
	grep "daemon.request action=exit: 1 such event(s)" err
'

test_expect_success 'a part of a field with ~, and trace_count' '
	trace_has trace status.decline "detail~is a sub" &&
	test_must_fail trace_has trace status.decline "detail~is a super" &&
	trace_has trace status.decline code=submodule "detail~sub/" &&
	test "$(trace_count trace daemon.request)" = 2 &&
	test "$(trace_count trace daemon.request action~xi)" = 1 &&
	test "$(trace_count trace daemon.exit)" = 0
'

test_expect_success 'a missing trace file matches nothing either way' '
	test_must_fail trace_has nowhere note 2>err &&
	grep "cannot read the trace" err &&
	test_must_fail trace_lacks nowhere note
'

test_done
