"""GIT_FSWATCH_TRACE resolves like GIT_TRACE."""

import os

from git_fswatch import trace


def _run(monkeypatch, value, tmp_path):
    monkeypatch.setenv("GIT_FSWATCH_TRACE", value)
    trace.reset()
    trace.trace("hello %s", "world")
    trace.reset()


def test_off_by_default(monkeypatch, capfd, tmp_path):
    monkeypatch.delenv("GIT_FSWATCH_TRACE", raising=False)
    trace.reset()
    assert not trace.enabled()
    trace.trace("nothing")
    assert capfd.readouterr().err == ""


def test_to_stderr(monkeypatch, capfd, tmp_path):
    _run(monkeypatch, "1", tmp_path)
    err = capfd.readouterr().err
    assert err.endswith(" fswatch: hello world\n")
    assert " %d " % os.getpid() in err


def test_to_file(monkeypatch, tmp_path):
    log = tmp_path / "trace.log"
    _run(monkeypatch, str(log), tmp_path)
    _run(monkeypatch, str(log), tmp_path)
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert all(line.endswith("fswatch: hello world") for line in lines)


def test_unknown_value_warns(monkeypatch, capfd, tmp_path):
    _run(monkeypatch, "bogus", tmp_path)
    err = capfd.readouterr().err
    assert "unknown GIT_FSWATCH_TRACE value 'bogus'" in err
    assert "hello world" not in err
