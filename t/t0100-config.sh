#!/bin/sh

test_description='core.fswatchHelper resolves as credential helpers do

A plain name runs git fswatch-<name>, an absolute path runs as is, a value
starting with ! is a shell snippet, words after the name are options, the
last value wins and an empty value turns the helper off.  The built-in
notify helper is reached over its socket, without running a command.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git fswatch-notify exit'

# changes: what the API answers here, one field a line (paths as Python
# byte literals, so that a newline in a name stays visible).
changes () {
	PYTHONPATH="$SRC_DIR" "$PYTHON" -c '
import sys
from git_fswatch.client import api
from git_fswatch.repo.git import Git
from git_fswatch.repo import discover
token = sys.argv[1] if len(sys.argv) > 1 else None
c = api.changed_since(discover.discover(Git()), token)
print("token=%s" % c.token)
print("everything=%s" % c.everything)
print("reason=%s" % c.reason)
for p in c.paths:
    print("path=%r" % p)
' "$@"
}

# A helper that logs its arguments and stdin, and answers two paths.
test_expect_success 'setup' '
	test_commit one &&
	mkdir bin &&
	write_script bin/helper <<-\EOF &&
	printf "%s\n" "$*" >>"$HOME/helper.args"
	cat >>"$HOME/helper.stdin"
	printf "version=1\000token=T2\000path=a b\000path=new\nline\000\000"
	EOF
	cp bin/helper bin/git-fswatch-mine &&
	PATH="$(pwd)/bin:$PATH" &&
	export PATH
'

test_expect_success 'unset: no helper, the answer is everything' '
	changes >actual &&
	cat >expect <<-\EOF &&
	token=None
	everything=True
	reason=unavailable: no helper configured (core.fswatchHelper)
	EOF
	test_cmp expect actual
'

cat >expect.paths <<\EOF
token=T2
everything=False
reason=None
path=b'a b'
path=b'new\nline'
EOF

test_expect_success 'a plain name runs git fswatch-<name> with its options' '
	test_when_finished "rm -f helper.args helper.stdin" &&
	git config core.fswatchHelper "mine --flag" &&
	changes T1 >actual &&
	test_cmp expect.paths actual &&
	echo "--flag get" >expect &&
	test_cmp expect helper.args &&
	printf "token=T1\\0\\0" >expect &&
	test_cmp expect helper.stdin
'

test_expect_success 'an absolute path runs as is' '
	test_when_finished "rm -f helper.args helper.stdin" &&
	# The shell reads the value: the space in the trash path is escaped.
	git config core.fswatchHelper "$(pwd | sed "s/ /\\\\ /g")/bin/helper -x" &&
	git config core.fswatchHelper >value &&
	grep "^/.*trash\\\\ directory" value &&
	changes >actual &&
	test_cmp expect.paths actual &&
	echo "-x get" >expect &&
	test_cmp expect helper.args &&
	printf "\\0" >expect &&
	test_cmp expect helper.stdin
'

test_expect_success 'a value starting with ! is a shell snippet' '
	test_when_finished "rm -f helper.args helper.stdin" &&
	git config core.fswatchHelper "!f() { echo snippet >\"\$HOME/snippet\"; helper \"\$@\"; }; f" &&
	changes >actual &&
	test_cmp expect.paths actual &&
	echo get >expect &&
	test_cmp expect helper.args &&
	echo snippet >expect &&
	test_cmp expect snippet
'

test_expect_success 'the last value wins' '
	test_when_finished "rm -f helper.args helper.stdin" &&
	git config --replace-all core.fswatchHelper "nonexistent-helper" &&
	git config --add core.fswatchHelper "mine --last" &&
	changes >actual &&
	test_cmp expect.paths actual &&
	echo "--last get" >expect &&
	test_cmp expect helper.args
'

test_expect_success 'an empty value after others turns the helper off' '
	git config --add core.fswatchHelper "" &&
	changes >actual &&
	grep "^reason=unavailable: no helper configured" actual &&
	test_path_is_missing helper.args
'

test_expect_success 'a helper that fails makes the answer everything' '
	git config --replace-all core.fswatchHelper "!exit 3" &&
	changes >actual &&
	grep "^everything=True\$" actual &&
	grep "^reason=unavailable: the helper .* failed (exit code 3)" actual
'

test_expect_success 'a helper that answers garbage makes the answer everything' '
	git config --replace-all core.fswatchHelper "!echo garbage" &&
	changes >actual &&
	grep "^everything=True\$" actual &&
	grep "^reason=unavailable: bad answer from the helper" actual
'

test_expect_success 'a helper that answers an error makes the answer everything' '
	git config --replace-all core.fswatchHelper "!printf \"error=out of luck\\0\\0\"" &&
	changes >actual &&
	grep "^reason=unavailable: the helper says: out of luck\$" actual
'

test_expect_success 'a helper that says everything is believed' '
	git config --replace-all core.fswatchHelper "!printf \"version=1\\0token=T9\\0everything=overflow\\0\\0\"" &&
	changes >actual &&
	cat >expect <<-\EOF &&
	token=T9
	everything=True
	reason=overflow
	EOF
	test_cmp expect actual
'

test_expect_success 'notify is reached over its socket, not by running it' '
	write_script bin/git-fswatch-notify <<-\EOF &&
	echo ran >"$HOME/notify-ran"
	exit 1
	EOF
	git config --replace-all core.fswatchHelper "notify --timeout=77" &&
	changes >actual &&
	grep "^everything=True\$" actual &&
	grep "^reason=fresh\$" actual &&
	token=$(sed -n "s/^token=//p" actual) &&
	test "$token" != None &&
	test_path_is_missing notify-ran &&
	rm bin/git-fswatch-notify &&
	git fswatch-notify status >status &&
	grep "^idle-timeout: 77\$" status &&
	>new-file &&
	changes "$token" >actual &&
	grep "^path=b.new-file.\$" actual &&
	grep "^everything=False\$" actual
'

test_expect_success 'notify with options it does not know runs as a command' '
	git config --replace-all core.fswatchHelper "notify --frobnicate" &&
	changes >actual &&
	grep "^everything=True\$" actual &&
	grep "^reason=unavailable: the helper .git fswatch-notify --frobnicate. failed (exit code 129)" actual
'

test_done
