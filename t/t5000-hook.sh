#!/bin/sh

test_description='git fswatch-notify hook: git core.fsmonitor hook

The hook speaks git fsmonitor protocol (versions 2 and 1); with it
configured, git status, git diff --stat and git add -A give exactly what
they give without it, after every kind of change.'

. ./test-lib.sh
. "$TEST_DIRECTORY"/lib-notify.sh

test_atexit 'git -C w fswatch-notify exit'

# show <file>: a hook answer, one NUL-ended field a line.
show () {
	tr '\000' '\n' <"$1"
}

# same_status: git status with the hook (as users run it) and without (as
# the reference) print the same; likewise the short and porcelain forms.
same_status () {
	for args in "" "--short" "--porcelain=v2 -uall" "--short --ignored"
	do
		git -C w status $args >with &&
		git -C w -c core.fsmonitor=false --no-optional-locks status $args >without &&
		test_cmp without with || return 1
	done
}

test_expect_success 'setup' '
	git init -q -b main w &&
	(
		cd w &&
		mkdir -p dir/sub other &&
		for f in a b dir/c dir/sub/d other/e
		do
			echo "$f" >"$f" || exit 1
		done &&
		echo "*.o" >.gitignore &&
		git add . &&
		git commit -q -m initial
	)
'

test_expect_success 'enable sets the helper, the hook and the untracked cache' '
	git -C w fswatch-notify enable &&
	git -C w config core.fswatchHelper >actual &&
	git -C w config core.fsmonitor >>actual &&
	git -C w config core.fsmonitorHookVersion >>actual &&
	git -C w config core.untrackedCache >>actual &&
	test_write_lines notify "git fswatch-notify hook" 2 true >expect &&
	test_cmp expect actual
'

test_expect_success 'enable keeps a helper that is already configured' '
	git init -q custom &&
	git -C custom config core.fswatchHelper "mine --x" &&
	git -C custom fswatch-notify enable &&
	echo "mine --x" >expect &&
	git -C custom config core.fswatchHelper >actual &&
	test_cmp expect actual
'

test_expect_success 'hook: bad usage exits 129, an unknown version fails' '
	test_expect_code 129 git -C w fswatch-notify hook 2 2>err &&
	grep "^error: .hook. takes a version and a token" err &&
	test_expect_code 1 git -C w fswatch-notify hook 3 x 2>err &&
	grep "^error: fswatch hook: unsupported protocol version .3." err
'

test_expect_success 'hook v2: git first timestamp token answers everything' '
	git -C w fswatch-notify hook 2 1700000000000000000 >out &&
	show out >actual &&
	token=$(sed -n 1p actual) &&
	case "$token" in *:*) ;; *) false ;; esac &&
	printf "%s\n" "$token" / >expect &&
	test_cmp expect actual
'

test_expect_success 'hook v2: after "/", the next answer names a path in every directory' '
	git -C w fswatch-notify hook 2 1 >out &&
	token=$(show out | sed -n 1p) &&
	case "$token" in full:*) ;; *) false ;; esac &&
	git -C w fswatch-notify hook 2 "$token" >out &&
	show out >actual &&
	token=$(sed -n 1p actual) &&
	case "$token" in full:*) false ;; esac &&
	printf "%s
" "$token" .fswatch-look-again dir/.fswatch-look-again 		dir/sub/.fswatch-look-again other/.fswatch-look-again >expect &&
	sort expect >expect.sorted &&
	sort actual >actual.sorted &&
	test_cmp expect.sorted actual.sorted
'

test_expect_success 'hook v2: our token answers the changed paths' '
	git -C w fswatch-notify hook 2 1 >out &&
	token=$(show out | sed -n 1p) &&
	git -C w fswatch-notify hook 2 "$token" >out &&
	token=$(show out | sed -n 1p) &&
	echo more >>w/a &&
	mkdir w/newdir &&
	git -C w fswatch-notify hook 2 "$token" >out &&
	show out >actual &&
	token2=$(sed -n 1p actual) &&
	printf "%s\n" "$token2" a newdir/ newdir/.fswatch-look-again >expect &&
	test_cmp expect actual &&
	git -C w fswatch-notify hook 2 "$token2" >out &&
	show out >actual &&
	sed -n 1p actual >token3 &&
	test_line_count = 1 actual &&
	rmdir w/newdir &&
	git -C w checkout -q a
'

test_expect_success 'hook v2: a token of another instance answers everything' '
	git -C w fswatch-notify hook 2 "0123456789abcdef:5" >out &&
	show out | sed -n 2p >actual &&
	echo / >expect &&
	test_cmp expect actual
'

test_expect_success 'hook v1: timestamps answer everything' '
	git -C w fswatch-notify hook 1 1700000000000000000 >out &&
	printf "/\\0" >expect &&
	test_cmp expect out
'

test_expect_success 'hook v2: where the daemon declines the hook fails' '
	git init -q nfs &&
	test_when_finished "unset GIT_FSWATCH_TEST_FSTYPE" &&
	GIT_FSWATCH_TEST_FSTYPE=nfs &&
	export GIT_FSWATCH_TEST_FSTYPE &&
	test_expect_code 1 git -C nfs fswatch-notify hook 2 1 >out 2>err &&
	test_must_be_empty out &&
	grep "^error: fswatch hook: .*nfs" err
'

test_expect_success 'hook v2: a decline is told once, not on every command while it stands' '
	test_when_finished "unset GIT_FSWATCH_TEST_FSTYPE" &&
	GIT_FSWATCH_TEST_FSTYPE=nfs &&
	export GIT_FSWATCH_TEST_FSTYPE &&
	test_path_is_file nfs/.git/fswatch/notify.declined &&
	test_expect_code 1 git -C nfs fswatch-notify hook 2 1 >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_expect_code 1 git -C nfs fswatch-notify hook 2 1 >out 2>err &&
	test_must_be_empty err &&
	: git itself says nothing either &&
	git -C nfs -c core.fsmonitor="git fswatch-notify hook" status >out 2>err &&
	test_must_be_empty err &&
	: once the decline has lapsed, the next one is told again &&
	touch -d "-2 minutes" nfs/.git/fswatch/notify.declined &&
	test_expect_code 1 git -C nfs fswatch-notify hook 2 1 >out 2>err &&
	grep "^error: fswatch hook: .*nfs" err &&
	test_expect_code 1 git -C nfs fswatch-notify hook 2 1 >out 2>err &&
	test_must_be_empty err
'

test_expect_success 'git status uses the hook and agrees with git' '
	GIT_TRACE_FSMONITOR="$(pwd)/trace" git -C w status >/dev/null &&
	same_status &&
	echo change >>w/dir/c &&
	>trace &&
	GIT_TRACE_FSMONITOR="$(pwd)/trace" git -C w status --short >actual &&
	grep "fsmonitor process .git fswatch-notify hook. returned success" trace &&
	grep "fsmonitor_refresh_callback .dir/c." trace &&
	echo " M dir/c" >expect &&
	test_cmp expect actual &&
	same_status
'

# Each change below is followed by the comparison; the hook must never
# hide a change, whatever its kind.
while IFS="|" read -r title change
do
	test_expect_success "after $title, git status agrees" "
		(cd w && $change) &&
		same_status
	"
done <<\EOF
a file modified|echo x >>a
a file truncated to empty|>b
a new untracked file|echo n >new
a new ignored file|echo o >x.o
a file deleted|rm other/e
a file made executable|chmod +x dir/sub/d
a file renamed|mv a a-renamed
a directory renamed|mv dir dir-renamed
an edit below a renamed directory|echo y >>dir-renamed/sub/d
the directory renamed back|mv dir-renamed dir
a new nested directory|mkdir -p n1/n2/n3 && echo deep >n1/n2/n3/f
a directory deleted|rm -rf n1
a file replaced by a directory|rm b && mkdir b && echo in >b/inside
a directory replaced by a file|rm -rf b && echo back >b
a symlink|ln -s a link
a symlink retargeted|ln -sf other link
a .gitignore change|echo new >>.gitignore
a git add|git add -A
a commit|git commit -q -m second
a checkout of another branch|git checkout -q -b side HEAD~1
a checkout back|git checkout -q -f main
a hard reset|git reset -q --hard HEAD~1
a name with a space and a tab|printf x >\"sp ace\" && printf y >\"t	ab\"
a file changed twice|echo 1 >>a-renamed && echo 2 >>a-renamed
EOF

test_expect_success 'git diff --stat agrees with and without the hook' '
	echo again >>w/dir/c &&
	echo "x" >w/brand-new &&
	git -C w diff --stat >with &&
	git -C w -c core.fsmonitor=false diff --stat >without &&
	test_cmp without with &&
	test -s with
'

test_expect_success 'git add -A agrees with and without the hook' '
	rm -rf copy &&
	cp -R w copy &&
	git -C copy config core.fsmonitor false &&
	git -C w add -A &&
	git -C copy add -A &&
	git -C w diff --cached --name-status >with &&
	git -C copy diff --cached --name-status >without &&
	test_cmp without with &&
	test -s with
'

test_expect_success 'the daemon gone, the hook restarts it and status stays right' '
	pid=$(notify_pid w) &&
	kill -9 "$pid" &&
	wait_for_exit "$pid" &&
	echo after-kill >>w/dir/c &&
	same_status &&
	test "$(notify_pid w)" != "$pid"
'

test_expect_success 'the hook serves a linked worktree from its own daemon' '
	git -C w worktree add -q -b lw ../lw &&
	test_atexit "git -C lw fswatch-notify exit" &&
	(cd lw && git status >/dev/null) &&
	test -S w/.git/worktrees/lw/fswatch/notify.sock &&
	echo lw-change >>lw/a-renamed &&
	mkdir lw/lw-dir && echo f >lw/lw-dir/f &&
	GIT_TRACE_FSMONITOR="$(pwd)/trace" git -C lw status --short >with &&
	git -C lw -c core.fsmonitor=false --no-optional-locks status --short >without &&
	test_cmp without with &&
	test -s with &&
	grep "fsmonitor_refresh_callback .a-renamed." trace
'

test_expect_success 'disable removes it all and stops the daemon' '
	git -C w fswatch-notify disable &&
	test_expect_code 1 git -C w config core.fsmonitor &&
	test_expect_code 1 git -C w config core.fswatchHelper &&
	test_expect_code 1 git -C w config core.untrackedCache &&
	test_expect_code 1 git -C w fswatch-notify status &&
	same_status
'

test_done
