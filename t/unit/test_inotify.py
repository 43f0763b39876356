"""The OS layer: real inotify, names as bytes, errors that say what to do."""

import errno
import os
import struct
import subprocess
import sys

import pytest

from git_fswatch.watch import inotify
from git_fswatch.watch.inotify import (
    IN_CREATE, IN_ISDIR, IN_MOVED_FROM, IN_MOVED_TO, IN_IGNORED, IN_DELETE_SELF,
    Event, Inotify, InstanceLimit, NoEvents, WatchLimit, parse_events)


def _raw(wd, mask, cookie, name, pad=0):
    name = name + b"\0" * pad if name or pad else b""
    return struct.pack("iIII", wd, mask, cookie, len(name)) + name


def test_parse_events_keeps_names_as_bytes():
    buf = (_raw(1, IN_CREATE, 0, b"caf\xe9\n", pad=3)
           + _raw(1, IN_MOVED_FROM | IN_ISDIR, 7, b"a", pad=15)
           + _raw(2, IN_IGNORED, 0, b""))
    assert parse_events(buf) == [
        Event(1, IN_CREATE, 0, b"caf\xe9\n"),
        Event(1, IN_MOVED_FROM | IN_ISDIR, 7, b"a"),
        Event(2, IN_IGNORED, 0, b""),
    ]
    assert parse_events(b"") == []
    # A truncated header is not an event.
    assert parse_events(_raw(1, IN_CREATE, 0, b"x", pad=3)[:10]) == []


def test_real_events_with_funny_names(tmp_path):
    ino = Inotify()
    try:
        base = os.fsencode(str(tmp_path))
        wd = ino.add_watch(base)
        assert ino.read() == []
        name = b"\xff new\nline\t"
        open(os.path.join(base, name), "wb").close()
        os.mkdir(os.path.join(base, b"d"))
        os.rename(os.path.join(base, b"d"), os.path.join(base, b"e"))
        events = ino.read()
        assert (wd, IN_CREATE, name) in [(e.wd, e.mask, e.name) for e in events]
        moves = [e for e in events if e.mask & (IN_MOVED_FROM | IN_MOVED_TO)]
        assert [(e.mask, e.name) for e in moves] == [
            (IN_MOVED_FROM | IN_ISDIR, b"d"), (IN_MOVED_TO | IN_ISDIR, b"e")]
        assert moves[0].cookie == moves[1].cookie != 0
        assert ino.read() == []
    finally:
        ino.close()


def test_add_watch_errors_and_symlinks(tmp_path):
    ino = Inotify()
    try:
        with pytest.raises(FileNotFoundError):
            ino.add_watch(os.fsencode(str(tmp_path / "missing")))
        (tmp_path / "file").write_text("x")
        with pytest.raises(NotADirectoryError):
            ino.add_watch(os.fsencode(str(tmp_path / "file")))
        (tmp_path / "dir").mkdir()
        os.symlink("dir", str(tmp_path / "link"))
        # Never through a symlink, even one to a directory.
        with pytest.raises(NotADirectoryError):
            ino.add_watch(os.fsencode(str(tmp_path / "link")))
        assert ino.watches == 0
    finally:
        ino.close()


def test_watch_count_and_test_seam(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_FSWATCH_TEST_MAX_WATCHES", "2")
    ino = Inotify()
    try:
        dirs = []
        for n in "abc":
            (tmp_path / n).mkdir()
            dirs.append(os.fsencode(str(tmp_path / n)))
        wd_a = ino.add_watch(dirs[0])
        assert ino.add_watch(dirs[0]) == wd_a       # same inode, same watch
        ino.add_watch(dirs[1])
        assert ino.watches == 2
        with pytest.raises(WatchLimit) as e:
            ino.add_watch(dirs[2])
        msg = str(e.value)
        assert "fs.inotify.max_user_watches=2" in msg
        assert "sysctl fs.inotify.max_user_watches=" in msg
        assert ino.watches == 2
        # A watch the kernel drops (directory deleted) frees its slot.
        os.rmdir(dirs[0])
        events = ino.read()
        assert any(ev.wd == wd_a and ev.mask & IN_DELETE_SELF for ev in events)
        assert any(ev.wd == wd_a and ev.mask & IN_IGNORED for ev in events)
        assert ino.watches == 1
        ino.add_watch(dirs[2])
        # Removing a watch the kernel already removed is no error.
        ino.rm_watch(wd_a)
    finally:
        ino.close()


def test_bad_test_seam_value(monkeypatch):
    monkeypatch.setenv("GIT_FSWATCH_TEST_MAX_WATCHES", "many")
    with pytest.raises(ValueError):
        Inotify()


def test_instance_limit_names_the_sysctl(tmp_path):
    """Exhaust fs.inotify.max_user_instances as user nobody, in a child, so
    that root's instances (other tests, other daemons) are not touched."""
    if os.getuid() != 0:
        pytest.skip("needs root to run a child as nobody")
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(inotify.__file__))))
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from git_fswatch.watch.inotify import Inotify, InstanceLimit\n"
        "held = []\n"
        "try:\n"
        "    for _ in range(100000):\n"
        "        held.append(Inotify())\n"
        "except InstanceLimit as e:\n"
        "    print(len(held)); print(e)\n"
    ) % src
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         sys.executable, "-c", script],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    if proc.returncode != 0 and b"ModuleNotFoundError" in proc.stderr:
        pytest.skip("inotify_simple is not readable by nobody: %s" % proc.stderr[-200:])
    assert proc.returncode == 0, proc.stderr
    count, message = proc.stdout.decode().split("\n", 1)
    limit = int(open("/proc/sys/fs/inotify/max_user_instances").read())
    assert int(count) <= limit
    assert "fs.inotify.max_user_instances=%d" % limit in message


def test_instance_limit_is_a_watch_limit():
    # The daemon declines on WatchLimit; running out of instances is the same.
    assert issubclass(InstanceLimit, WatchLimit)


def test_filesystem_check(tmp_path, monkeypatch):
    monkeypatch.delenv("GIT_FSWATCH_TEST_FSTYPE", raising=False)
    magic, name = inotify.fs_type(str(tmp_path))
    assert magic != 0 and name is None
    inotify.check_filesystem(str(tmp_path))
    # /proc is not remote, but statfs must tell it from the tmp directory.
    assert inotify.fs_type("/proc")[0] == 0x9FA0
    with pytest.raises(OSError) as e:
        inotify.fs_type(str(tmp_path / "missing"))
    assert e.value.errno == errno.ENOENT
    monkeypatch.setenv("GIT_FSWATCH_TEST_FSTYPE", "overlay")
    with pytest.raises(NoEvents) as e:
        inotify.check_filesystem(str(tmp_path))
    assert "overlay" in str(e.value)


def test_remote_filesystem_table():
    assert inotify.REMOTE_FILESYSTEMS[0x6969] == "nfs"
    assert inotify.REMOTE_FILESYSTEMS[0xFF534D42] == "cifs"
    assert inotify.REMOTE_FILESYSTEMS[0x65735546] == "fuse"
    assert inotify.REMOTE_FILESYSTEMS[0x794C7630] == "overlay"
    assert 0xEF53 not in inotify.REMOTE_FILESYSTEMS       # ext4
    assert 0x01021994 not in inotify.REMOTE_FILESYSTEMS   # tmpfs
