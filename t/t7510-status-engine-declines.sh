#!/bin/sh

test_description='the status engine declines what it cannot compute exactly

Content filters and end-of-line conversion, submodules, a split index, a
sparse checkout, core.fileMode=false: the engine raises Unsupported, the
command runs the real git status, and the output is git'"'"'s.  Things it
reads through git itself (git -c, core.excludesFile, info/exclude) it must
honour.'

. ./test-lib.sh
. "$TEST_DIRECTORY/lib-status.sh"

# These tests are of the cold engine and its status cache: keep the helper's
# daemon from answering warm (t7600-status-warm.sh tests that).
GIT_FSWATCH_TEST_NO_WARM=1
export GIT_FSWATCH_TEST_NO_WARM

test_expect_success 'setup' '
	git init -q -b main repo &&
	(
		cd repo &&
		printf "a\\r\\nb\\r\\n" >crlf &&
		echo plain >plain &&
		mkdir dir && echo x >dir/x &&
		git add . &&
		git commit -q -m base
	)
'

test_expect_success 'answered by the engine to begin with' '
	cd repo &&
	same_as_git --porcelain=v2 -z
'

test_expect_success 'core.autocrlf: declined' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" config --unset core.autocrlf" &&
	git config core.autocrlf true &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back core.autocrlf
'

test_expect_success 'git -c core.autocrlf=input: declined too' '
	cd repo &&
	rm -f "$TRASH_DIRECTORY/trace" &&
	git -c core.autocrlf=input status --porcelain >"$TRASH_DIRECTORY/expect" &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/trace" \
	git -c core.autocrlf=input fswatch-status --porcelain >"$TRASH_DIRECTORY/actual" &&
	test_cmp "$TRASH_DIRECTORY/expect" "$TRASH_DIRECTORY/actual" &&
	status_fell_back core.autocrlf
'

test_expect_success 'a .gitattributes with eol or filter: declined' '
	cd repo &&
	test_when_finished "rm -f \"\$TRASH_DIRECTORY/repo/dir/.gitattributes\"" &&
	echo "*.txt eol=crlf" >dir/.gitattributes &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back content-attributes
'

test_expect_success 'a tracked .gitattributes with text: declined' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" rm -q -f dir/.gitattributes" &&
	echo "*.c text" >dir/.gitattributes &&
	git add dir/.gitattributes &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back content-attributes
'

test_expect_success 'a symlinked .gitignore: declined (git does not follow it)' '
	cd repo &&
	test_when_finished "rm -f \"\$TRASH_DIRECTORY/repo/dir/.gitignore\" \"\$TRASH_DIRECTORY/repo/patterns\"" &&
	echo "*.x" >patterns &&
	ln -s ../patterns dir/.gitignore &&
	echo x >dir/file.x &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back symlinked-gitignore &&
	rm dir/file.x
'

test_expect_success 'a negated pattern below the top: declined (libgit2 differs)' '
	cd repo &&
	test_when_finished "rm -f \"\$TRASH_DIRECTORY/repo/dir/.gitignore\" \"\$TRASH_DIRECTORY/repo/.gitignore\"" &&
	echo "*.o" >.gitignore &&
	echo "!keep.o" >dir/.gitignore &&
	echo x >dir/keep.o &&
	status_is_git_status --porcelain=v2 -z -uall &&
	status_fell_back negated-pattern &&
	tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^? dir/keep.o$" &&
	rm dir/keep.o
'

test_expect_success 'core.fileMode=false: declined' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" config --unset core.fileMode && chmod -x \"\$TRASH_DIRECTORY/repo/plain\"" &&
	git config core.fileMode false &&
	chmod +x plain &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back core.fileMode
'

test_expect_success 'a split index: declined' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" update-index --no-split-index" &&
	git update-index --split-index &&
	echo change >>plain &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back index-extension link &&
	git checkout -q plain
'

test_expect_success 'a sparse checkout: declined' '
	cd repo &&
	test_when_finished "git -C \"\$TRASH_DIRECTORY/repo\" sparse-checkout disable" &&
	git sparse-checkout set --no-cone "/*" "!dir/" &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back sparse-checkout
'

test_expect_success 'a submodule: declined' '
	cd repo &&
	git init -q sub &&
	git -C sub commit -q --allow-empty -m sub &&
	git add sub &&
	status_is_git_status --porcelain=v2 -z &&
	status_fell_back submodule &&
	git rm -q --cached -f sub && rm -rf sub
'

test_expect_success 'info/exclude and core.excludesFile are honoured, and a change to them seen' '
	cd repo &&
	echo junk >junk.tmp && echo junk >junk.bak &&
	same_as_git --porcelain=v2 -z &&
	echo "*.tmp" >>.git/info/exclude &&
	same_as_git --porcelain=v2 -z --ignored &&
	tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^! junk.tmp$" &&
	echo "*.bak" >"$TRASH_DIRECTORY/global-ignore" &&
	git config core.excludesFile "$TRASH_DIRECTORY/global-ignore" &&
	same_as_git --porcelain=v2 -z --ignored &&
	tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^! junk.bak$"
'

test_expect_success 'a core.excludesFile from GIT_CONFIG_GLOBAL is honoured (git check-ignore sees it)' '
	cd repo &&
	echo "*.glob" >"$TRASH_DIRECTORY/ignore-glob" &&
	printf "[core]\n\texcludesFile = %s\n" "$TRASH_DIRECTORY/ignore-glob" \
		>"$TRASH_DIRECTORY/global-config" &&
	echo x >file.glob &&
	git config --unset core.excludesFile &&
	(
		GIT_CONFIG_GLOBAL="$TRASH_DIRECTORY/global-config" &&
		export GIT_CONFIG_GLOBAL &&
		same_as_git --porcelain=v2 -z --ignored &&
		tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^! file.glob$"
	) &&
	rm file.glob
'

test_expect_success INOTIFY 'with the helper, a changed info/exclude discards the status cache' '
	cd repo &&
	git config core.fswatchHelper "notify --timeout=60" &&
	test_atexit "cd \"$TRASH_DIRECTORY/repo\" && git fswatch-notify exit" &&
	GIT_FSWATCH_TEST_SPAWN_WAIT=30 && export GIT_FSWATCH_TEST_SPAWN_WAIT &&
	same_as_git --porcelain=v2 -z &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.from-cache &&
	echo "*.bak" >>.git/info/exclude &&
	echo "!*.tmp" >>.git/info/exclude &&
	same_as_git --porcelain=v2 -z &&
	trace_has "$TRASH_DIRECTORY/trace" status.full-scan reason=key:exclude &&
	tr "\000" "\n" <"$TRASH_DIRECTORY/actual.out" | grep "^? junk.tmp$"
'

test_done
