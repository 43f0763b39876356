#!/bin/sh
# changed-since.sh: what changed in this worktree since this script last ran.
# Prints "everything: <reason>", or the changed paths, each ended by NUL.
git_dir=$(git rev-parse --git-dir) || exit
state=$git_dir/changed-since-sh.token
answer=$git_dir/changed-since-sh.answer

if test -s "$state"
then
	printf 'token=%s\0' "$(cat "$state")"
fi | git fswatch-notify get >"$answer" || exit

# Save the new token before looking at the tree.  GNU sed -z reads
# NUL-ended records, so a path with a newline stays one record.
sed -z -n 's/^token=//p' "$answer" | tr -d '\0' >"$state.tmp" &&
mv "$state.tmp" "$state" || exit

if sed -z -n 's/^everything=//p' "$answer" | tr '\0' '\n' | grep . >"$answer.why"
then
	echo "everything: $(cat "$answer.why")"
else
	sed -z -n 's/^path=//p' "$answer"
fi
