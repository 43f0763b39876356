#!/bin/sh

test_description='the man pages document what the commands accept

Every option a command lists in its own -h output, and every action of the
helper, must appear as an entry in its man page; every configuration key and
environment variable the code reads must be documented; the pages have the
sections a git man page has; and (when asciidoctor is installed) they render
into man pages that man and git help find.'

. ./test-lib.sh

DOC=$SRC_DIR/Documentation

# usage_options <usage>: the options a usage message lists, one per line, as
# --name or -x.  An option line is indented and starts with a dash; its words
# are options (-s, --short, --porcelain[=<version>], --[no-]renames) and
# their arguments (<seconds>) up to the help text.
usage_options () {
	sed -n -e 's/^[ 	][ 	]*-/-/p' "$1" |
	awk '{
		for (i = 1; i <= NF; i++) {
			w = $i
			sub(/,$/, "", w)
			if (w ~ /^</) continue
			if (w !~ /^-/) break
			sub(/^--\[no-\]/, "--", w)
			sub(/[[=<].*$/, "", w)
			print w
		}
	}' |
	sort -u
}

# usage_actions <usage>: the helper actions a usage message names, one per
# line: from an "actions: a, b <arg>, c" line, or from the entries under an
# "actions:" line, indented like options ("    listdir <dir>   help"); the
# help text's continuation lines are indented further and do not count.
usage_actions () {
	awk '
		/^actions:/ {
			inside = 1
			sub(/^actions: */, "")
			n = split($0, list, ",")
			for (i = 1; i <= n; i++) {
				split(list[i], w, " ")
				if (w[1] != "") print w[1]
			}
			next
		}
		/^$/ { inside = 0 }
		inside && /^    [a-z]/ { print $1 }
	' "$1" |
	sort -u
}

# section <page> <title>: the lines of one "== <title>" section of a page.
section () {
	awk -v want="== $2" '
		/^== / { inside = ($0 == want); next }
		inside { print }
	' "$1"
}

# doc_terms <page> <section>: the options (or action words) that a section's
# definition-list terms ("--timeout <seconds>::", "-s, --short::") name.
doc_terms () {
	section "$1" "$2" |
	sed -n -e 's/::$//p' |
	tr -d '`*_' |
	tr ',' '\n' |
	awk '{
		for (i = 1; i <= NF; i++) {
			w = $i
			if (w ~ /^</) continue
			if (w ~ /^-/) {
				sub(/^--\[no-\]/, "--", w)
				sub(/[[=<].*$/, "", w)
				print w
			} else if (i == 1) {
				print w
			}
		}
	}' |
	sort -u
}

# undocumented <listed> <page> <section>: print the names in file <listed>
# that no term of the section names; fail if there are any.
undocumented () {
	doc_terms "$2" "$3" >documented &&
	comm -23 "$1" documented >missing &&
	if test -s missing
	then
		echo "not documented in ${2##*/} ($3):" >&2
		cat missing >&2
		return 1
	fi
}

# has_sections <page> <title>...: the page has these "== " sections, in this
# order (other sections may come between them).
has_sections () {
	page=$1
	shift
	test_write_lines "$@" >want &&
	sed -n -e 's/^== //p' "$page" >all &&
	grep -x -F -f want all >got &&
	test_cmp want got
}

test_expect_success 'the checks themselves catch an undocumented option' '
	cat >usage <<-\EOF &&
	usage: git frob [<options>]

	    -q, --quiet           say less
	    --depth <n>           go this deep
	    --[no-]color          colour the output
	    --format[=<style>]
	                          how to print

	actions: get, listdir <dir>, exit
	EOF
	cat >usage2 <<-\EOF &&
	usage: git frob <action>

	actions:
	    get                   what changed
	    listdir <dir>         the stat data
	    a-rather-long-action <with> <arguments>
	                          help text on a line
	                          of its own
	    exit                  stop

	trailing text
	EOF
	usage_actions usage2 >actual &&
	test_write_lines a-rather-long-action exit get listdir >expect &&
	test_cmp expect actual &&
	usage_options usage >actual &&
	test_write_lines --color --depth --format --quiet -q >expect &&
	test_cmp expect actual &&
	usage_actions usage >actual &&
	test_write_lines exit get listdir >expect &&
	test_cmp expect actual &&
	cat >page.adoc <<-\EOF &&
	== OPTIONS

	-q::
	--quiet::
		Says less.

	`--format[=<style>]`::
		Prints this way.

	--[no-]color::
		Colours it.

	== ACTIONS

	get::
		Gets.

	listdir <dir>::
		Lists.

	== SEE ALSO

	--depth::
		Not in OPTIONS: does not count.
	EOF
	usage_options usage >listed &&
	test_must_fail undocumented listed page.adoc OPTIONS 2>err &&
	test_write_lines "not documented in page.adoc (OPTIONS):" --depth >expect &&
	test_cmp expect err &&
	usage_actions usage >listed &&
	test_must_fail undocumented listed page.adoc ACTIONS 2>err &&
	grep -x exit err &&
	! grep -x get err &&
	! grep -x listdir err
'

test_expect_success 'the checks themselves catch a missing section' '
	printf "== NAME\n== SYNOPSIS\n== OPTIONS\n" >page.adoc &&
	has_sections page.adoc NAME SYNOPSIS OPTIONS &&
	test_must_fail has_sections page.adoc NAME SYNOPSIS DESCRIPTION OPTIONS &&
	test_must_fail has_sections page.adoc NAME OPTIONS SYNOPSIS
'

test_expect_success 'every option of git fswatch-status -h is in its man page' '
	test_expect_code 129 git fswatch-status -h >usage &&
	usage_options usage >listed &&
	test_line_count -gt 5 listed &&
	undocumented listed "$DOC/git-fswatch-status.adoc" OPTIONS
'

test_expect_success 'every option of git fswatch-notify -h is in its man page' '
	test_expect_code 129 git fswatch-notify -h >usage &&
	usage_options usage >listed &&
	grep -x -e --timeout listed &&
	undocumented listed "$DOC/git-fswatch-notify.adoc" OPTIONS
'

test_expect_success 'every action of git fswatch-notify -h is in its man page' '
	test_expect_code 129 git fswatch-notify -h >usage &&
	usage_actions usage >listed &&
	grep -x get listed &&
	undocumented listed "$DOC/git-fswatch-notify.adoc" ACTIONS
'

# usage_synopsis <usage>: the command lines of a usage message.
usage_synopsis () {
	sed -n -e "s/^usage: //p" -e "s/^   or: //p" "$1"
}

test_expect_success 'the SYNOPSIS shows the command lines that -h shows' '
	for cmd in status notify
	do
		test_expect_code 129 git fswatch-$cmd -h >usage &&
		usage_synopsis usage >expect &&
		test_line_count -gt 0 expect &&
		section "$DOC/git-fswatch-$cmd.adoc" SYNOPSIS |
			sed -n -e "/^git /p" -e "/^\*git /p" | tr -d "*\140" >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'the man pages have the sections of a git man page' '
	for page in "$DOC"/git-fswatch-status.adoc "$DOC"/git-fswatch-notify.adoc
	do
		has_sections "$page" NAME SYNOPSIS DESCRIPTION OPTIONS \
			CONFIGURATION EXAMPLES CAVEATS "SEE ALSO" || return 1
	done
'

test_expect_success 'the NAME line names the command, as man and apropos want' '
	for cmd in git-fswatch-status git-fswatch-notify
	do
		section "$DOC/$cmd.adoc" NAME >name &&
		grep "^$cmd - [A-Z]" name || return 1
	done
'

test_expect_success 'the technical document covers the API, the protocol and helpers' '
	has_sections "$DOC/technical/api-fswatch.adoc" \
		"Who calls it" "Lifecycle" "The wire protocol" \
		"Tokens and everything" "The Python API" "Examples" \
		"Writing another helper"
'

test_expect_success 'the documents the README names exist' '
	grep -o "Documentation/[A-Za-z0-9/._-]*[A-Za-z0-9]" "$SRC_DIR/README" |
		sort -u >named &&
	grep -x Documentation/technical/api-fswatch.adoc named &&
	while read doc
	do
		test_path_is_file "$SRC_DIR/$doc" || return 1
	done <named
'

# The configuration keys and environment variables the code reads, found in
# the code itself so that a new one cannot slip by undocumented.
test_expect_success 'every configuration key the code reads is documented' '
	# git config keys are case-insensitive: compare them in lower case.
	grep -r -h -o -i -E "\"(core\.fswatch[A-Za-z]*|fswatch\.[A-Za-z.]+)\"" \
		"$SRC_DIR/git_fswatch" >keys.raw &&
	tr -d "\"" <keys.raw | tr A-Z a-z | sort -u >keys &&
	grep -x core.fswatchhelper keys &&
	sed -n -e "s/^\([a-zA-Z.]*\)::\$/\1/p" "$DOC/config.adoc" |
		tr A-Z a-z | sort -u >documented &&
	comm -23 keys documented >missing &&
	test_must_be_empty missing &&
	for page in git-fswatch-status git-fswatch-notify
	do
		grep -x "include::config.adoc\[\]" "$DOC/$page.adoc" || return 1
	done
'

test_expect_success 'every GIT_FSWATCH_* variable the code reads is documented' '
	grep -r -h -o -E "GIT_FSWATCH_[A-Z0-9_]+" "$SRC_DIR/git_fswatch" |
		grep -v "^GIT_FSWATCH_TEST_" | sort -u >vars &&
	grep -x GIT_FSWATCH_TRACE vars &&
	for page in git-fswatch-status git-fswatch-notify
	do
		section "$DOC/$page.adoc" ENVIRONMENT || return 1
	done >env-sections &&
	sed -n -e "s/^\`\(GIT_FSWATCH_[A-Z0-9_]*\)\`::\$/\1/p" env-sections |
		sort -u >documented &&
	comm -23 vars documented >missing &&
	test_must_be_empty missing
'

# The Python example of the technical document, run as printed, against
# the built-in helper, the smallest helper and (below) the Watchman one.
run_example () {
	PYTHONPATH="$SRC_DIR" "$PYTHON" "$DOC/technical/examples/changed-since.py"
}

test_expect_success INOTIFY 'the API example with the built-in helper' '
	git init -q ex-notify &&
	test_when_finished "git -C ex-notify fswatch-notify exit" &&
	(
		cd ex-notify &&
		git config core.fswatchHelper notify &&
		GIT_FSWATCH_TEST_SPAWN_WAIT=30 run_example >../out &&
		echo "everything: fresh" >../expect &&
		test_cmp ../expect ../out &&
		run_example >../out &&
		test_must_be_empty ../out &&
		mkdir dir && echo x >dir/file && echo y >"$(printf "new\nline")" &&
		run_example >../out
	) &&
	grep -x "dir/" out &&
	grep -x "new" out &&
	grep -x "line" out &&
	! grep "^everything" out
'

test_expect_success INOTIFY 'the shell example with the built-in helper' '
	git init -q ex-sh &&
	test_when_finished "git -C ex-sh fswatch-notify exit" &&
	(
		cd ex-sh &&
		git config core.fswatchHelper notify &&
		GIT_FSWATCH_TEST_SPAWN_WAIT=30 "$DOC/technical/examples/changed-since.sh" >../out &&
		echo "everything: fresh" >../expect &&
		test_cmp ../expect ../out &&
		mkdir -p d2 && echo >"d2/$(printf "a\nb")" &&
		"$DOC/technical/examples/changed-since.sh" >../out
	) &&
	# d2/ covers all below it; the daemon may list d2/a\nb as well.
	printf "d2/\0" >expect &&
	head -c 4 out >actual &&
	test_cmp expect actual &&
	! grep -a everything out &&
	test "$(tail -c 1 out | tr "\0" Z)" = Z
'

test_expect_success 'the smallest helper of the technical document' '
	sed -n -e "s/^\$ \(git config core.fswatchHelper .!f.*\)\$/\1/p" \
		"$DOC/technical/api-fswatch.adoc" >snippet &&
	test_line_count = 1 snippet &&
	git init -q ex-small &&
	(
		cd ex-small &&
		. ../snippet &&
		run_example >../out
	) &&
	echo "everything: always" >expect &&
	test_cmp expect out
'

# The example helper of the technical document must work as printed.  It
# talks to a watchman server of its own (WATCHMAN_SOCK), stopped at the end.
test_lazy_prereq WATCHMAN '
	command -v watchman && command -v python3
'

WATCHMAN_SOCK="$TRASH_DIRECTORY/wm.sock"
export WATCHMAN_SOCK

# start_watchman: make sure our own server runs (the first client to find
# no server starts one with these files; later calls only ask its pid).
start_watchman () {
	test_atexit "watchman --no-spawn shutdown-server >/dev/null 2>&1" &&
	watchman --statefile="$TRASH_DIRECTORY/wm.state" \
		--logfile="$TRASH_DIRECTORY/wm.log" get-pid >/dev/null
}

test_expect_success WATCHMAN 'the example Watchman helper answers get' '
	start_watchman &&
	helper="$DOC/technical/examples/git-fswatch-watchman" &&
	git init -q wm &&
	(
		cd wm &&
		"$helper" get </dev/null >out &&
		tr "\0" "\n" <out >first &&
		grep -x "everything=fresh" first &&
		sed -n -e "s/^token=//p" first >token &&
		test_line_count = 1 token &&
		mkdir -p d/e && echo x >d/e/f && echo y >"$(printf "a\nb")" &&
		git add d && rm -rf d && echo z >kept &&
		printf "token=%s\0" "$(cat token)" >request &&
		"$helper" get <request >out &&
		tr "\0" "\n" <out >second &&
		! grep "^everything=" second &&
		grep -x "path=d/" second &&
		grep -x "path=kept" second &&
		grep -x "path=a" second &&
		grep -x "b" second &&
		! grep "^path=\.git" second &&
		printf "version=1\0token=%s\0" "$(sed -n -e "s/^token=//p" second)" >expect.head &&
		head -c $(wc -c <expect.head) out >actual.head &&
		test_cmp expect.head actual.head
	)
'

test_expect_success WATCHMAN 'the API example with the Watchman helper' '
	start_watchman &&
	git init -q ex-wm &&
	(
		cd ex-wm &&
		git config core.fswatchHelper "$DOC/technical/examples/git-fswatch-watchman" &&
		run_example >../out &&
		echo "everything: fresh" >../expect &&
		test_cmp ../expect ../out &&
		echo x >file &&
		run_example >../out &&
		echo file >../expect &&
		test_cmp ../expect ../out &&
		echo "not-a-clock" >.git/changed-since.token &&
		run_example >../out &&
		echo "everything: unknown-token" >../expect &&
		test_cmp ../expect ../out
	)
'

test_lazy_prereq ASCIIDOCTOR '
	command -v asciidoctor && command -v make
'

test_lazy_prereq MAN '
	command -v man && command -v groff
'

# Render a copy of Documentation/ (with the setup.cfg it reads the version
# from), so that the test writes nothing into the source tree.
test_expect_success ASCIIDOCTOR 'make renders the man pages and the HTML' '
	mkdir render &&
	cp -R "$DOC" render/Documentation &&
	cp "$SRC_DIR/setup.cfg" render/ &&
	(cd render/Documentation && make clean && make man html) &&
	test_path_is_file render/Documentation/git-fswatch-status.1 &&
	test_path_is_file render/Documentation/git-fswatch-notify.1 &&
	test_path_is_file render/Documentation/git-fswatch-status.html &&
	test_path_is_file render/Documentation/technical/api-fswatch.html &&
	# Rendering writes its outputs and touches no source.
	diff -r -x "*.1" -x "*.html" "$DOC" render/Documentation
'

test_expect_success ASCIIDOCTOR,MAN 'the rendered pages read well and list every option' '
	for cmd in status notify
	do
		page=render/Documentation/git-fswatch-$cmd.1 &&
		MANWIDTH=80 man -l "$page" >$cmd.txt 2>$cmd.err &&
		test_must_be_empty $cmd.err &&
		grep "^GIT-FSWATCH-$(echo $cmd | tr a-z A-Z)(1)" $cmd.txt &&
		grep "^ *git-fswatch-$cmd - " $cmd.txt &&
		test_expect_code 129 git fswatch-$cmd -h >usage &&
		usage_options usage >listed &&
		sed -e "s/--\\[no-\\]/--/g" $cmd.txt >$cmd.terms &&
		while read opt
		do
			grep -E -e "^ +([^ ]+, )*$opt([]<,=[ ]|\$)" $cmd.terms >/dev/null ||
			{ echo "$opt missing from the rendered $page" >&2; return 1; }
		done <listed || return 1
	done
'

# man-db finds pages in <prefix>/share/man when <prefix>/bin is on PATH,
# which is where `make install` puts both.
test_expect_success ASCIIDOCTOR,MAN 'git help and --help find the installed pages' '
	mkdir -p inst/bin inst/share/man/man1 &&
	cp render/Documentation/*.1 inst/share/man/man1/ &&
	(
		PATH="$TRASH_DIRECTORY/inst/bin:$PATH" &&
		unset MANPATH MANPAGER &&
		MANWIDTH=80 && export MANWIDTH &&
		git help -m fswatch-status >help.out &&
		grep "^ *git-fswatch-status - " help.out &&
		git fswatch-notify --help >help.out &&
		grep "^ *git-fswatch-notify - " help.out &&
		git-fswatch-status --help >help.out &&
		grep "^ *git-fswatch-status - " help.out &&
		git-fswatch-notify --help >help.out &&
		grep "^ *git-fswatch-notify - " help.out
	)
'

test_done
