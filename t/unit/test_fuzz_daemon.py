"""Fuzzing a live daemon over its real socket.

A daemon serves a real worktree; hypothesis sends it garbage, mutated and
truncated requests, requests cut off mid-send, clients that hang up before
or during the answer and clients that send far too much.  Every reply must
be one whole message (an error, or a well-formed answer with a token), the
daemon must stay the same process, keep its memory bounded, and afterwards
still answer a real question exactly.  Bounded by max_examples (set
GIT_FSWATCH_TEST_FUZZ_EXAMPLES for more).
"""

import os
import socket
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from git_fswatch.wire import protocol
from testlib import alive, clean_env, git, run_git

EXAMPLES = int(os.environ.get("GIT_FSWATCH_TEST_FUZZ_EXAMPLES", "1000"))

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/sys/fs/inotify"),
                                reason="no inotify")

# Never "exit" (it would stop the daemon on purpose), nor warm-status,
# which runs the status engine with the request's environment.
ACTIONS = [b"get", b"listdir", b"fetchall", b"status", b"frob", b"", b"GET",
           b"get\xff"]
KEYS = [b"version", b"action", b"token", b"path", b"x", b"-"]


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    top = base / "w"
    env = clean_env(base, GIT_FSWATCH_TEST_SPAWN_WAIT="30")
    git("init", "-q", "-b", "main", top, env=env)
    (top / "a").write_text("a\n")
    os.makedirs(top / "d" / "e")
    (top / "d" / "e" / "f").write_text("f\n")
    git("config", "core.fswatchHelper", "notify --timeout=600", cwd=top, env=env)
    git("fswatch-notify", "start", cwd=top, env=env)
    pid = int(protocol.decode(_ask(top, b"version=1\0action=status\0\0")).get("pid"))
    state = {"top": top, "env": env, "pid": pid, "inputs": 0}
    yield state
    run_git("fswatch-notify", "exit", cwd=top, env=env, check=False)
    sys.stderr.write("fuzzed the daemon with %d inputs (%d warm answers)\n"
                     % (state["inputs"], state.get("warm-answers", 0)))


def _sock(top):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(os.path.join(str(top), ".git", "fswatch", "notify.sock"))
    return s


def _read_all(s):
    got = b""
    while True:
        try:
            chunk = s.recv(1 << 16)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return got


def _ask(top, data):
    s = _sock(top)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return _read_all(s)
    finally:
        s.close()


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@st.composite
def requests(draw):
    records = [(b"version", draw(st.sampled_from([b"1", b"1", b"2", b"", b"01"])))]
    records.append((b"action", draw(st.sampled_from(ACTIONS))))
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(KEYS))
        records.append((key, draw(st.binary(max_size=30)).replace(b"\0", b"")))
    data = protocol.encode(records)
    how = draw(st.sampled_from(["whole", "garbage", "mutate", "cut", "prefix-junk"]))
    if how == "garbage":
        data = draw(st.binary(max_size=200))
    elif how == "mutate":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        data = bytes(data)
    elif how == "cut":
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif how == "prefix-junk":
        data = draw(st.binary(max_size=20)) + data
    if b"action=exit\0" in data or b"action=warm" in data:
        data = data.replace(b"action=", b"action=no-")
    return data


def _check_reply(reply):
    msg = protocol.decode(reply)            # one whole message, or it raises
    if msg.get("error") is not None:
        assert msg.get("token") is None
        return
    assert msg.get("version") == b"1"


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(data=requests(), hangup=st.sampled_from(["no", "no", "no", "before", "early"]))
def test_every_request_gets_one_whole_reply(daemon, data, hangup):
    daemon["inputs"] += 1
    top = daemon["top"]
    if hangup == "no":
        _check_reply(_ask(top, data))
    else:
        s = _sock(top)
        try:
            s.sendall(data)
            if hangup == "early":
                s.shutdown(socket.SHUT_WR)
                s.recv(3)                # read a little of the reply, then go
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.close()
    assert alive(daemon["pid"])


@st.composite
def warm_requests(draw):
    """warm-status requests, well-formed in shape, odd in content."""
    top = draw(st.sampled_from(["top", "other"]))
    records = [(b"version", b"1"), (b"action", b"warm-status")]
    if draw(st.booleans()):
        records.append((b"cwd", b"TOP" if top == "top" else
                        draw(st.binary(max_size=20)).replace(b"\0", b"")))
    if draw(st.booleans()):
        records.append((b"git-dir", b"TOP/.git" if top == "top" else b"/nonexistent"))
    for _ in range(draw(st.integers(0, 3))):
        records.append((b"arg", draw(st.sampled_from(
            [b"-s", b"--porcelain=v2", b"-z", b"--bogus", b"-uall", b"--", b"\xff",
             b"--ignored=matching", b"-b", b"--column"]))))
    for _ in range(draw(st.integers(0, 3))):
        records.append((b"env", draw(st.sampled_from(
            [b"LANG=C", b"junk", b"=x", b"GIT_DIR=/x", b"LC_ALL=\xff", b"X=1"]))))
    records.append((b"stdout-tty", draw(st.sampled_from([b"0", b"1", b"x"]))))
    return records


@settings(max_examples=max(EXAMPLES // 20, 10), deadline=None,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(records=warm_requests())
def test_odd_warm_status_requests_get_one_whole_reply(daemon, records):
    daemon["inputs"] += 1
    top = os.fsencode(str(daemon["top"]))
    env = [(b"env", b"%s=%s" % (k, v)) for k, v in
           ((b"PATH", os.fsencode(daemon["env"]["PATH"])),
            (b"HOME", os.fsencode(daemon["env"]["HOME"])))]
    records = [(k, v.replace(b"TOP", top)) for k, v in records] + env
    reply = _ask(daemon["top"], protocol.encode(records))
    _check_reply(reply)
    if b"\0exit=" in reply:
        daemon["warm-answers"] = daemon.get("warm-answers", 0) + 1
    assert alive(daemon["pid"])


def test_oversized_slow_and_vanishing_clients(daemon):
    top, pid = daemon["top"], daemon["pid"]
    rss = _rss_kb(pid)
    silent = [_sock(top) for _ in range(50)]
    flood = []
    for _ in range(50):
        s = _sock(top)
        try:
            s.sendall(b"version=1\0action=get\0token=" + b"x" * 60000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        flood.append(s)
    # Others are served meanwhile.
    _check_reply(_ask(top, b"version=1\0action=status\0\0"))
    # Far more than a request may be: refused, and the connection ends.
    reply = _ask(top, b"version=1\0action=get\0token=" + b"y" * (1 << 20))
    assert protocol.decode(reply).get("error").startswith(b"message longer than")
    for s in silent + flood:
        s.close()
    # A client that asks for a large answer and hangs up after a few bytes.
    for _ in range(20):
        s = _sock(top)
        s.sendall(b"version=1\0action=fetchall\0\0")
        s.shutdown(socket.SHUT_WR)
        s.recv(5)
        s.close()
    daemon["inputs"] += 121
    assert alive(pid)
    assert _rss_kb(pid) < rss + 64 * 1024, "the daemon grew by more than 64 MB"


def test_after_the_fuzz_the_daemon_answers_exactly(daemon):
    top, env, pid = daemon["top"], daemon["env"], daemon["pid"]
    first = protocol.decode(_ask(top, b"version=1\0action=get\0\0"))
    token = first.get("token")
    (top / "d" / "e" / "new").write_text("new\n")
    with open(top / "a", "a") as f:
        f.write("more\n")
    answer = protocol.decode(_ask(top, b"version=1\0action=get\0token=" + token + b"\0\0"))
    assert answer.get("everything") is None
    assert sorted(answer.getall("path")) == [b"a", b"d/e/new"]
    status = protocol.decode(_ask(top, b"version=1\0action=status\0\0"))
    assert int(status.get("pid")) == pid
    assert alive(pid)
