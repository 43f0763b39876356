# lib-reliability.sh: helpers for the t8xxx scripts (storms, crashes,
# crowds, hostile input).  Source it after test-lib.sh and lib-notify.sh.

# status_exact <worktree> [<args>...]: `git fswatch-status` and `git status`
# through the hook (when the hook is enabled) print exactly what git prints
# with no helper and no hook at all.  The reference runs first, so that
# whatever it costs the helper is already in the kernel's queue when the
# others ask.
status_exact () {
	se_top=$1 &&
	shift &&
	git -C "$se_top" -c core.fsmonitor=false -c core.untrackedCache=false \
		--no-optional-locks status --porcelain=v2 -z "$@" >"$TRASH_DIRECTORY/se.expect" &&
	GIT_FSWATCH_TRACE="$TRASH_DIRECTORY/se.trace" \
	git -C "$se_top" fswatch-status --porcelain=v2 -z "$@" >"$TRASH_DIRECTORY/se.actual" &&
	test_cmp "$TRASH_DIRECTORY/se.expect" "$TRASH_DIRECTORY/se.actual" &&
	git -C "$se_top" status --porcelain=v2 -z "$@" >"$TRASH_DIRECTORY/se.hook" &&
	test_cmp "$TRASH_DIRECTORY/se.expect" "$TRASH_DIRECTORY/se.hook"
}

# answer <worktree> <token> <out>: the daemon's `get` answer for <token>,
# one record a line, without the token (it changes every time) in <out>.
answer () {
	printf "token=%s\\000" "$2" >"$TRASH_DIRECTORY/answer.in" &&
	git -C "$1" fswatch-notify get <"$TRASH_DIRECTORY/answer.in" >"$TRASH_DIRECTORY/answer.raw" &&
	records "$TRASH_DIRECTORY/answer.raw" | sed -e "/^version=1\$/d" -e "/^token=/d" -e "/^\$/d" >"$3"
}

# fresh_token <worktree>: a token of the daemon serving <worktree> (started
# if need be), on stdout.
fresh_token () {
	git -C "$1" fswatch-notify get </dev/null >"$TRASH_DIRECTORY/fresh.raw" &&
	get_token "$TRASH_DIRECTORY/fresh.raw"
}

# stat_of <worktree> <key>: one figure of `git fswatch-notify status`.
stat_of () {
	git -C "$1" fswatch-notify status >"$TRASH_DIRECTORY/stat.out" &&
	sed -n "s/^$2: //p" "$TRASH_DIRECTORY/stat.out"
}

# make_files <dir> <dirs> <files per dir> [<content suffix>]: <dirs> x
# <files per dir> small files below <dir>, in one process.
make_files () {
	"$PYTHON" - "$@" <<-\EOF
	import os, sys
	top, ndirs, nfiles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	suffix = sys.argv[4] if len(sys.argv) > 4 else ""
	for d in range(ndirs):
	    path = os.path.join(top, "d%03d" % d)
	    os.makedirs(path, exist_ok=True)
	    for f in range(nfiles):
	        with open(os.path.join(path, "f%03d" % f), "w") as fh:
	            fh.write("%d %d%s\n" % (d, f, suffix))
	EOF
}

# commit_many <worktree> <prefix> <dirs> <files per dir>: a commit on top of
# HEAD that adds <dirs> x <files per dir> files below <prefix>/, made with
# plumbing (no files written, one blob), on stdout.
commit_many () {
	cm_blob=$(echo many | git -C "$1" hash-object -w --stdin) &&
	"$PYTHON" - "$cm_blob" "$2" "$3" "$4" >"$TRASH_DIRECTORY/cm.list" <<-\EOF &&
	import sys
	blob, prefix, ndirs, nfiles = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
	out = sys.stdout
	for d in range(ndirs):
	    for f in range(nfiles):
	        out.write("100644 %s\t%s/d%03d/f%03d\n" % (blob, prefix, d, f))
	EOF
	rm -f "$TRASH_DIRECTORY/cm.index" &&
	GIT_INDEX_FILE="$TRASH_DIRECTORY/cm.index" git -C "$1" read-tree HEAD &&
	GIT_INDEX_FILE="$TRASH_DIRECTORY/cm.index" git -C "$1" update-index --index-info <"$TRASH_DIRECTORY/cm.list" &&
	cm_tree=$(GIT_INDEX_FILE="$TRASH_DIRECTORY/cm.index" git -C "$1" write-tree) &&
	git -C "$1" commit-tree -p HEAD -m "many files below $2" "$cm_tree"
}
