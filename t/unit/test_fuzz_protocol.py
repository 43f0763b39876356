"""Fuzzing the wire format and what reads it: bytes from anyone never make
the parser, the API or the journal do anything but answer or refuse.

Bounded in time (max_examples, no deadline: the machine is shared); each
property runs a few hundred inputs in `make test`.  Set
GIT_FSWATCH_TEST_FUZZ_EXAMPLES to run more.
"""

import os

from hypothesis import HealthCheck, given, settings, strategies as st

from git_fswatch.client import api
from git_fswatch.watch import journal
from git_fswatch.wire import protocol
from git_fswatch.wire.protocol import Parser, ProtocolError

EXAMPLES = int(os.environ.get("GIT_FSWATCH_TEST_FUZZ_EXAMPLES", "300"))
fuzz = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

keys = st.sampled_from([b"version", b"action", b"token", b"path", b"everything",
                        b"error", b"x-y", b"0"])
values = st.binary(max_size=40).map(lambda b: b.replace(b"\0", b""))
good_records = st.lists(st.tuples(keys, values), max_size=12)


def _mutations(data, draw):
    """Flip, drop, duplicate and insert bytes of a well-formed stream."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 6))):
        if not out:
            out += draw(st.binary(min_size=1, max_size=4))
            continue
        i = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(["flip", "drop", "dup", "insert", "nul", "eq"]))
        if op == "flip":
            out[i] ^= draw(st.integers(1, 255))
        elif op == "drop":
            del out[i]
        elif op == "dup":
            out[i:i] = out[i:i + draw(st.integers(1, 8))]
        elif op == "insert":
            out[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "nul":
            out[i:i] = b"\0"
        else:
            out[i:i] = b"="
    return bytes(out)


@st.composite
def streams(draw):
    """Garbage, or well-formed messages, mutated or cut anywhere."""
    kind = draw(st.sampled_from(["garbage", "good", "mutated", "cut"]))
    if kind == "garbage":
        return draw(st.binary(max_size=300))
    msgs = draw(st.lists(good_records, min_size=1, max_size=3))
    data = b"".join(protocol.encode(m) for m in msgs)
    if kind == "mutated":
        data = _mutations(data, draw)
    elif kind == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    return data


def _parse_all(chunks, max_size=None):
    """(messages, error) from feeding *chunks* to one parser, then finish()."""
    parser = Parser(max_size)
    messages = []
    try:
        for chunk in chunks:
            messages.extend(parser.feed(chunk))
        parser.finish()
    except ProtocolError as e:
        return messages, str(e)
    return messages, None


@fuzz
@given(streams())
def test_decode_answers_or_refuses(data):
    try:
        msg = protocol.decode(data)
    except ProtocolError:
        return
    # What it accepts re-encodes to exactly what it read.
    assert protocol.encode(msg.records) == data
    for key, value in msg.records:
        assert key and b"\0" not in value and b"=" not in key


@fuzz
@given(streams(), st.lists(st.integers(0, 400), max_size=10))
def test_any_split_reads_the_same(data, cuts):
    whole, whole_error = _parse_all([data])
    points = sorted(c for c in cuts if c <= len(data))
    chunks = [data[a:b] for a, b in zip([0] + points, points + [len(data)])]
    split, split_error = _parse_all(chunks)
    assert (split_error is None) == (whole_error is None)
    if whole_error is None:
        assert [m.records for m in split] == [m.records for m in whole]
        return
    # Cut into bytes, every message before the fault is read; a feed that
    # meets the fault raises and its earlier messages are not returned, so
    # coarser cuts see a prefix of those (the daemon answers the first
    # message or refuses the stream, never something else).
    finest, _ = _parse_all([data[i:i + 1] for i in range(len(data))])
    finest = [m.records for m in finest]
    for got in (whole, split):
        got = [m.records for m in got]
        assert got == finest[:len(got)]


@fuzz
@given(streams(), st.integers(1, 64), st.integers(1, 97))
def test_the_size_limit_bounds_what_is_held(data, limit, step):
    parser = Parser(limit)
    for start in range(0, len(data), step):
        try:
            msgs = parser.feed(data[start:start + step])
        except ProtocolError:
            return                        # refused: the caller closes
        for m in msgs:
            assert sum(len(k) + len(v) + 2 for k, v in m.records) <= limit
        # Never more held than the limit allows (plus what one feed brought).
        assert len(parser._buf) <= limit


@fuzz
@given(streams())
def test_an_answer_from_anyone_is_changes_or_unavailable(data):
    try:
        msg = protocol.decode(data)
    except ProtocolError:
        return
    try:
        changes = api.parse_answer(msg)
    except api.Unavailable:
        return
    if changes.everything:
        assert changes.paths == [] and changes.reason
    else:
        assert changes.token
        for p in changes.paths:
            assert p and not p.startswith(b"/") and b"\0" not in p


@fuzz
@given(st.one_of(st.binary(max_size=40), st.text(max_size=40)),
       st.lists(st.binary(min_size=1, max_size=8), max_size=20))
def test_a_token_not_issued_answers_everything(token, paths):
    j = journal.Journal(max_paths=8)
    j.mark_ready()
    issued = {j.token()}
    for p in paths:
        j.record(p)
        issued.add(j.token())
    t = token.decode("ascii", "replace") if isinstance(token, bytes) else token
    if t in issued:
        return
    got, reason = j.since(token)
    # A token that only looks like one of ours for a moment not yet
    # reached, or of another instance, is never answered with paths.
    if got is not None:
        instance, seq = journal._parse(token)
        assert instance == j.instance and seq <= j._seq
    else:
        assert reason


@fuzz
@given(good_records)
def test_stdin_requests_round_trip(records):
    data = protocol.encode(records)
    assert protocol.decode_request_stdin(data).records == records
    assert protocol.decode_request_stdin(data[:-1]).records == records
