"""The fswatch record format: round trips, incremental parsing, bad input."""

import pytest
from hypothesis import given, strategies as st

from git_fswatch.wire import protocol
from git_fswatch.wire.protocol import Message, Parser, ProtocolError

keys = st.from_regex(r"[a-z0-9-]+", fullmatch=True).map(lambda s: s.encode())
values = st.binary().map(lambda b: b.replace(b"\0", b""))
records = st.lists(st.tuples(keys, values), max_size=20)


@given(records)
def test_round_trip(recs):
    assert protocol.decode(protocol.encode(recs)).records == recs


@given(st.lists(records, min_size=1, max_size=5), st.data())
def test_incremental_any_split(messages, data):
    stream = b"".join(protocol.encode(r) for r in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    parser = Parser()
    got = []
    prev = 0
    for cut in cuts + [len(stream)]:
        got.extend(parser.feed(stream[prev:cut]))
        prev = cut
    parser.finish()
    assert [m.records for m in got] == messages


def test_exact_bytes():
    assert protocol.encode([("version", 1), ("action", "get"),
                            ("token", b"ab:3")]) == \
        b"version=1\0action=get\0token=ab:3\0\0"
    assert protocol.encode([]) == b"\0"


def test_funny_values_survive():
    value = b"a\nb\tc\"d\\e\xff\xfe=f"
    msg = protocol.decode(protocol.encode([("path", value), ("path", b"")]))
    assert msg.getall("path") == [value, b""]


def test_repeated_keys_and_lookup():
    msg = protocol.decode(b"path=a\0x=1\0path=b\0\0")
    assert msg.getall("path") == [b"a", b"b"]
    assert msg.get("x") == b"1"
    assert msg.get("missing") is None
    assert "x" in msg and "y" not in msg


def test_encode_refuses_nul_and_bad_keys():
    with pytest.raises(ValueError):
        protocol.encode([("path", b"a\0b")])
    for key in ("", "Key", "a b", "a=b", "\xe9"):
        with pytest.raises(ValueError):
            protocol.encode([(key, b"v")])


@pytest.mark.parametrize("data,what", [
    (b"noequals\0\0", "without '='"),
    (b"=value\0\0", "bad key"),
    (b"KEY=v\0\0", "bad key"),
    (b"\x89PNG\r\n\x1a\n\0\0", "without '='"),
])
def test_malformed_records(data, what):
    with pytest.raises(ProtocolError, match=what):
        protocol.decode(data)


def test_truncated():
    with pytest.raises(ProtocolError, match="truncated"):
        protocol.decode(b"version=1\0action=get\0")
    with pytest.raises(ProtocolError, match="truncated"):
        protocol.decode(b"version=1\0action=g")


def test_two_messages_are_not_one():
    with pytest.raises(ProtocolError, match="expected one message"):
        protocol.decode(b"a=1\0\0b=2\0\0")


def test_size_limit_counts_pending_bytes():
    parser = Parser(max_size=16)
    assert parser.feed(b"a=123456789\0\0") == [Message([(b"a", b"123456789")])]
    # A record that never ends is refused as soon as it passes the limit.
    with pytest.raises(ProtocolError, match="longer than 16"):
        parser.feed(b"a=" + b"x" * 20)
    with pytest.raises(ProtocolError):
        parser.feed(b"\0\0")


def test_size_limit_many_small_records():
    parser = Parser(max_size=32)
    with pytest.raises(ProtocolError, match="longer than 32"):
        for _ in range(20):
            parser.feed(b"k=v\0")


def test_broken_parser_stays_broken():
    parser = Parser()
    with pytest.raises(ProtocolError):
        parser.feed(b"junk\0")
    with pytest.raises(ProtocolError):
        parser.feed(b"a=1\0\0")


@pytest.mark.parametrize("data,want", [
    (b"", []),
    (b"\0", []),
    (b"token=a:1\0", [(b"token", b"a:1")]),
    (b"token=a:1\0\0", [(b"token", b"a:1")]),
])
def test_stdin_requests(data, want):
    assert protocol.decode_request_stdin(data).records == want


def test_stdin_request_cut_in_a_record():
    with pytest.raises(ProtocolError, match="truncated"):
        protocol.decode_request_stdin(b"token=a")
