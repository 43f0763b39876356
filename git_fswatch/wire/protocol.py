"""The fswatch record format, spoken on the helper's socket and on its stdio.

A message is a sequence of records ``key=value``, each ended by one NUL
byte; an empty record (a NUL right after the previous record's NUL) ends the
message.  Keys are ``[a-z0-9-]+``; a value is any bytes but NUL.  Repeated
keys form lists, in order; unknown keys are ignored by readers, so that old
and new versions get along.

    version=1\\0action=get\\0token=4f2a:17\\0\\0

This module is pure: no sockets, no files.  Everything that reads bytes from
someone else goes through Parser, which has a size limit and says clearly
what is wrong.
"""

from collections import namedtuple

VERSION = b"1"
# The longest request a daemon reads (a path, a token, a warm status's
# arguments and environment): beyond it the request is refused.
MAX_REQUEST = 64 * 1024

# The answer to "what changed since token T?", whoever gives it (the
# helper's `get`, the daemon's journal in memory): a new token (None when
# there is nothing to remember), and either the paths (bytes, relative to
# the top; a directory as b"dir/", meaning everything below it) or
# everything=True with the reason.
Changes = namedtuple("Changes", "token everything paths reason")

_KEY_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-"


def _good_key(key):
    # Not a regular expression: the git hook imports this module, and
    # importing re costs it more than the whole check.
    return bool(key) and not key.translate(None, _KEY_BYTES)


class ProtocolError(Exception):
    """Bytes that are not a well-formed message."""


class Message:
    """A decoded message: an ordered list of (key, value) pairs, both bytes."""

    __slots__ = ("records",)

    def __init__(self, records=()):
        self.records = list(records)

    def get(self, key, default=None):
        """The first value of *key* (str or bytes), or *default*."""
        key = _bkey(key)
        for k, v in self.records:
            if k == key:
                return v
        return default

    def getall(self, key):
        key = _bkey(key)
        return [v for k, v in self.records if k == key]

    def __contains__(self, key):
        key = _bkey(key)
        return any(k == key for k, _ in self.records)

    def __eq__(self, other):
        return isinstance(other, Message) and self.records == other.records

    def __repr__(self):
        return "Message(%r)" % (self.records,)


def _bkey(key):
    return key.encode("ascii") if isinstance(key, str) else key


def _bvalue(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        return str(value).encode("ascii")
    return str(value).encode("utf-8", "surrogateescape")


def encode_record(key, value):
    """One ``key=value\\0`` record; raises ValueError on a bad key or a NUL."""
    key = _bkey(key)
    value = _bvalue(value)
    if not _good_key(key):
        raise ValueError("bad key %r" % key)
    if b"\0" in value:
        raise ValueError("NUL in the value of %r" % key)
    return key + b"=" + value + b"\0"


def encode(records):
    """Encode an iterable of (key, value) pairs as one message.

    Values may be bytes, str (UTF-8, surrogateescape) or int.
    """
    return b"".join(encode_record(k, v) for k, v in records) + b"\0"


def decode_record(raw):
    """Split one record (without its NUL) into (key, value)."""
    key, eq, value = raw.partition(b"=")
    if not eq:
        raise ProtocolError("record without '=': %s" % _show(raw))
    if not _good_key(key):
        raise ProtocolError("bad key in record: %s" % _show(raw))
    return key, value


def _show(raw, limit=40):
    text = raw[:limit].decode("ascii", "backslashreplace")
    return repr(text) + ("..." if len(raw) > limit else "")


class Parser:
    """Incremental reader: feed() bytes as they arrive, take whole messages.

    *max_size* bounds one message in bytes (None: no bound); beyond it,
    feed() raises ProtocolError and the parser is unusable (the stream is
    out of step: close it).
    """

    def __init__(self, max_size=None):
        self.max_size = max_size
        self._buf = bytearray()
        self._records = []
        self._size = 0
        self._messages = []
        self.broken = None

    def feed(self, data):
        """Consume *data*; return the list of messages completed by it."""
        if self.broken:
            raise ProtocolError(self.broken)
        self._buf += data
        start = 0
        buf = self._buf
        while True:
            end = buf.find(b"\0", start)
            if end < 0:
                break
            raw = bytes(buf[start:end])
            start = end + 1
            if not raw:
                self._messages.append(Message(self._records))
                self._records = []
                self._size = 0
                continue
            self._size += len(raw) + 1
            self._check_size()
            try:
                self._records.append(decode_record(raw))
            except ProtocolError as e:
                self.broken = str(e)
                raise
        del buf[:start]
        if self.max_size is not None and self._size + len(buf) > self.max_size:
            self._check_size(len(buf))
        done, self._messages = self._messages, []
        return done

    def _check_size(self, pending=0):
        if self.max_size is not None and self._size + pending > self.max_size:
            self.broken = "message longer than %d bytes" % self.max_size
            raise ProtocolError(self.broken)

    @property
    def pending(self):
        """True when part of a message has been read but not its end."""
        return bool(self._buf) or bool(self._records)

    def finish(self):
        """At the end of the stream: raise ProtocolError if a message is cut."""
        if self._buf:
            raise ProtocolError("truncated message: record without its NUL")
        if self._records:
            raise ProtocolError("truncated message: no end record")


def decode(data, max_size=None):
    """Decode exactly one message from *data* (all of a stream)."""
    parser = Parser(max_size)
    messages = parser.feed(data)
    parser.finish()
    if len(messages) != 1:
        raise ProtocolError("expected one message, got %d" % len(messages))
    return messages[0]


def decode_request_stdin(data, max_size=None):
    """Decode the records of a CLI request on stdin.

    An empty stdin, or a stream whose last message lacks its end record,
    is accepted: ``printf 'token=T\\0' | git fswatch-notify get`` works.
    """
    if not data:
        return Message()
    if not data.endswith(b"\0"):
        raise ProtocolError("truncated request: record without its NUL")
    if data == b"\0":
        return Message()
    if not data.endswith(b"\0\0"):
        data += b"\0"
    return decode(data, max_size)
