# lib-trace.sh: check a GIT_FSWATCH_TRACE file by event, not by wording.
# Source it after test-lib.sh.
#
# Each trace line is one event, "<time> <pid> fswatch: <name> {json fields}"
# (git_fswatch/trace.py; a free-form line is the event "note" with a
# "message" field).  A test names the event and the fields it cares about:
#
#	trace_has trace status.decline code=submodule &&
#	trace_has trace status.not-warm "why~killed by signal 9" &&
#	trace_lacks trace daemon.request action=exit
#
# <key>=<value> matches a field whose string is <value>, or, for a number, a
# boolean, null or a list, whose JSON is (n=3, ok=true, paths=["a","b"]);
# <key>~<part> a field whose text holds <part> (for the words of a detail
# that a test must see, such as the path a decline names).
# A missing trace file is an error: it says nothing either way.

# trace_has <file> <event> [<key>=<value> | <key>~<part>...]: some event
# <event> in <file> has every field given.
trace_has () {
	trace_match_ has "$@"
}

# trace_lacks <file> <event> [...]: no event <event> in <file> has every
# field given.
trace_lacks () {
	trace_match_ lacks "$@"
}

# trace_count <file> <event> [...]: how many events match.
trace_count () {
	trace_match_ count "$@"
}

trace_match_ () {
	PYTHONPATH="$SRC_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" - "$@" <<-\EOF
	import json, sys
	from git_fswatch.trace import parse
	how, path, name = sys.argv[1:4]
	def condition(arg):
	    eq, tilde = arg.find("="), arg.find("~")
	    if tilde < 0 or 0 <= eq < tilde:
	        key, _, value = arg.partition("=")
	        return key, lambda got: got == value
	    key, _, part = arg.partition("~")
	    return key, lambda got: part in got
	want = [condition(a) for a in sys.argv[4:]]
	def text(v):
	    return v if isinstance(v, str) else json.dumps(v)
	try:
	    with open(path, encoding="utf-8", errors="replace") as f:
	        events = [e for e in map(parse, f) if e is not None]
	except OSError as e:
	    sys.exit("trace_%s: cannot read the trace: %s" % (how, e))
	found = [f for n, f in events if n == name and
	         all(k in f and ok(text(f[k])) for k, ok in want)]
	if how == "count":
	    print(len(found))
	    sys.exit(0)
	if bool(found) != (how == "has"):
	    sys.stderr.write("trace_%s: %s %s: %d such event(s) in %s, which holds:\n"
	                     % (how, name, " ".join(sys.argv[4:]), len(found), path))
	    for n, f in events:
	        sys.stderr.write("  %s %s\n" % (n, json.dumps(f, sort_keys=True)))
	    sys.exit(1)
	EOF
}
