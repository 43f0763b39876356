# lib-trace.sh: match the events of a GIT_FSWATCH_TRACE file by name and
# fields (git_fswatch/trace.py), never by the words of a message.
# Source it after test-lib.sh.
#
#   trace_has <file> <event> [<key>=<value> | <key>~<part>]...
#	the file holds an event of that name whose fields match: "=" an exact
#	value (numbers and true/false as JSON writes them), "~" a value that
#	contains <part>.
#   trace_lacks <file> <event> [...]: it holds none.
#   trace_count <file> <event> [...]: how many it holds.

trace_count () {
	PYTHONPATH="$SRC_DIR" "$PYTHON" - "$@" <<-\EOF
	import json, sys
	from git_fswatch.trace import parse
	path, name, wants = sys.argv[1], sys.argv[2], sys.argv[3:]
	def matches(fields):
	    for want in wants:
	        exact = "=" in want and ("~" not in want or want.index("=") < want.index("~"))
	        key, _, value = want.partition("=" if exact else "~")
	        if key not in fields:
	            return False
	        got = fields[key]
	        text = got if isinstance(got, str) else json.dumps(got)
	        if (text != value) if exact else (value not in text):
	            return False
	    return True
	try:
	    lines = open(path, encoding="utf-8", errors="surrogateescape").readlines()
	except FileNotFoundError:
	    lines = []
	events = [e for e in map(parse, lines) if e is not None]
	print(sum(1 for n, f in events if n == name and matches(f)))
	EOF
}

trace_has () {
	test "$(trace_count "$@")" -gt 0 || {
		echo >&4 "no event $2 ${3:+with $*} in $1:"
		cat "$1" >&4 2>/dev/null
		return 1
	}
}

trace_lacks () {
	test "$(trace_count "$@")" = 0 || {
		echo >&4 "an event $2 in $1:"
		cat "$1" >&4
		return 1
	}
}
