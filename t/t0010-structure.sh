#!/bin/sh

test_description='check-structure.py: the package keeps its layers

The checker is run on tiny packages made here, one clean and one for each
kind of violation (an import that reaches up a layer, peers that import
each other, cli/ imported from below, an import cycle, another module'"'"'s
attribute assigned, the process environment or working directory swapped),
then on the real package.'

. ./test-lib.sh

check () {
	"$PYTHON" "$TEST_DIRECTORY/check-structure.py" "$@"
}

# put <file>: write <file> (its directories made) from stdin.
put () {
	mkdir -p "$(dirname "$1")" &&
	cat >"$1"
}

test_expect_success 'setup: a clean package, every layer used' '
	for d in watch wire repo status client server cli
	do
		put clean/$d/__init__.py </dev/null || return 1
	done &&
	put clean/__init__.py </dev/null &&
	put clean/trace.py <<-\EOF &&
	import os
	def event(name, **fields):
	    return os.environ.get("TRACE")
	EOF
	put clean/decline.py <<-\EOF &&
	class Decline(Exception):
	    pass
	EOF
	put clean/watch/tree.py <<-\EOF &&
	from clean import trace
	from clean.watch import inotify
	EOF
	put clean/watch/inotify.py <<-\EOF &&
	import os
	EOF
	put clean/wire/protocol.py <<-\EOF &&
	from clean.decline import Decline
	EOF
	put clean/wire/transport.py <<-\EOF &&
	import os
	from . import protocol
	def spawn(cwd):
	    if os.fork() == 0:
	        os.chdir(cwd)
	EOF
	put clean/repo/index.py <<-\EOF &&
	from ..wire import protocol
	from clean.watch.tree import trace
	EOF
	put clean/status/engine.py <<-\EOF &&
	import subprocess
	from clean.repo import index
	from clean.status.scan import walk
	def compute(source):
	    env = dict(source.environ)
	    env["LANG"] = "C"
	    subprocess.run(["git", "status"], env=env, cwd=source.cwd)
	    source.cache.load = None
	    from clean.status import cache
	EOF
	put clean/status/scan.py <<-\EOF &&
	def walk():
	    from clean.status import engine
	EOF
	put clean/status/cache.py <<-\EOF &&
	import clean.status.scan
	EOF
	put clean/client/api.py <<-\EOF &&
	from clean.status import engine
	from clean.wire import transport
	EOF
	put clean/server/daemon.py <<-\EOF &&
	from clean.status import engine as e
	from clean.watch import tree
	class Daemon:
	    def __init__(self):
	        self.engine = e
	EOF
	put clean/cli/status.py <<-\EOF &&
	from clean.client import api
	def main():
	    from clean.server import daemon
	EOF
	check --root clean >out &&
	test_must_be_empty out
'

test_expect_success '--list prints the imports by layer' '
	check --root clean --list >out &&
	grep "^repo/ (rank 2)" out &&
	grep "^  repo/index.py:1 -> wire/protocol.py\$" out &&
	grep "^  cli/status.py:3 -> server/daemon.py  (in a function)\$" out
'

# violation <name> <file> <expected output>: a copy of the clean package
# named <name> with <file> (from stdin; "clean" there is <name>) added or
# replaced; the checker fails on it and says exactly <expected output>.
violation () {
	rm -rf "$1" &&
	cp -R clean "$1" &&
	for f in $(find "$1" -name "*.py")
	do
		sed -e "s/\\<clean\\>/$1/g" "$f" >"$f.new" &&
		mv "$f.new" "$f" || return 1
	done &&
	sed -e "s/\\<clean\\>/$1/g" | put "$1/$2" &&
	printf "%s\n" "$3" >"$1.expect" &&
	test_expect_code 1 check --root "$1" >"$1.out" &&
	test_cmp "$1.expect" "$1.out"
}

test_expect_success 'an import that reaches up a layer, even inside a function' '
	violation up repo/refs.py "$(test_write_lines \
		"up/repo/refs.py:1: up.repo.refs (rank 2) imports up.status.engine (rank 3): imports reach up a layer" \
		"up/repo/refs.py:3: up.repo.refs (rank 2) imports up.client.api (rank 4): imports reach up a layer")" <<-\EOF
	from ..status.engine import compute
	def f():
	    import clean.client.api
	EOF
'

test_expect_success 'peers of one rank do not import each other' '
	violation peers server/hook.py \
		"peers/server/hook.py:1: peers.server.hook (rank 4) imports peers.client.api (rank 4): server/ and client/ are peers of one rank" <<-\EOF &&
	from clean.client import api
	from clean.wire import protocol
	EOF
	violation peers2 wire/socket.py \
		"peers2/wire/socket.py:1: peers2.wire.socket (rank 1) imports peers2.watch.tree (rank 1): wire/ and watch/ are peers of one rank" <<-\EOF
	import clean.watch.tree
	EOF
'

test_expect_success 'nothing below cli/ imports cli/' '
	violation below client/hook.py \
		"below/client/hook.py:3: below.client.hook (rank 4) imports below.cli.status (rank 5): nothing below cli/ imports cli/" <<-\EOF
	import os
	def main():
	    from clean.cli.status import main
	EOF
'

test_expect_success 'an import cycle is named with the imports that make it' '
	violation cycle status/scan.py \
		"cycle/status/cache.py:1: import cycle: cycle.status.cache -> cycle.status.scan -> cycle.status.cache (cycle/status/cache.py:1, cycle/status/scan.py:1)" <<-\EOF
	from clean.status import cache
	EOF
'

test_expect_success 'no module assigns to another module'"'"'s attributes' '
	violation assign server/warm.py "$(test_write_lines \
		"assign/server/warm.py:4: assigns to another module'"'"'s attribute subprocess.run" \
		"assign/server/warm.py:6: assigns to another module'"'"'s attribute assign.status.cache.load" \
		"assign/server/warm.py:7: setattr() on a module: index" \
		"assign/server/warm.py:9: setattr() on a module: module" \
		"assign/server/warm.py:10: assigns to another module'"'"'s attribute assign.status.engine.compute.x")" <<-\EOF
	import subprocess
	from clean.status import cache, engine as e
	from clean.repo import index
	subprocess.run = None
	def swap(source, self):
	    cache.load = source.load
	    setattr(index, "read", source.read)
	    for module, name, value in [(cache, "store", source.store)]:
	        setattr(module, name, value)
	    e.compute.x = 1
	    source.x = 1
	    self.x = 1
	EOF
'

test_expect_success 'nobody swaps the environment or the working directory' '
	swaps="swaps the process'"'"'s environment or working directory" &&
	violation env server/warm.py "$(test_write_lines \
		"env/server/warm.py:5: os.environ.clear() in Host.answer: $swaps" \
		"env/server/warm.py:6: os.environ.update() in Host.answer: $swaps" \
		"env/server/warm.py:7: os.environ[...] in Host.answer: $swaps" \
		"env/server/warm.py:8: os.environ[...] in Host.answer: $swaps" \
		"env/server/warm.py:9: os.environ.pop() in Host.answer: $swaps" \
		"env/server/warm.py:10: os.chdir() in Host.answer: $swaps" \
		"env/server/warm.py:11: os.fchdir() in Host.answer: $swaps" \
		"env/server/warm.py:12: os.putenv() in Host.answer: $swaps" \
		"env/server/warm.py:14: os.chdir() in spawn: $swaps")" <<-\EOF
	import os
	from os import environ, chdir as cd
	class Host:
	    def answer(self, env, cwd):
	        os.environ.clear()
	        os.environ.update(env)
	        os.environ["LANG"] = "C"
	        del os.environ["LANG"]
	        environ.pop("X", None)
	        cd(cwd)
	        os.fchdir(3)
	        os.putenv("A", "b")
	def spawn(cwd):
	    os.chdir(cwd)
	EOF
'

test_expect_success 'a folder that is not a layer, a root module that is not a base' '
	violation misc misc/x.py \
		"misc/misc/x.py:1: folder misc/ is not a layer (cli, client, repo, server, status, watch, wire)" </dev/null &&
	violation root util.py \
		"root/util.py:1: util.py at the package root is not a base module (__init__, decline, forked, trace)" </dev/null
'

test_expect_success 'the real package keeps its layers' '
	check >out &&
	test_must_be_empty out
'

test_done
