"""GIT_FSWATCH_TRACE resolves like GIT_TRACE."""

import os

from git_fswatch import trace


def _run(monkeypatch, value, tmp_path):
    monkeypatch.setenv("GIT_FSWATCH_TRACE", value)
    trace.reset()
    trace.event("test.hello", who="world", path=b"a\xffb")
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
    assert trace.parse(err) == ("test.hello", {"who": "world", "path": "a\\xffb"})
    assert " %d " % os.getpid() in err


def test_to_file(monkeypatch, tmp_path):
    log = tmp_path / "trace.log"
    _run(monkeypatch, str(log), tmp_path)
    _run(monkeypatch, str(log), tmp_path)
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert [trace.parse(line)[0] for line in lines] == ["test.hello", "test.hello"]


def test_unknown_value_warns(monkeypatch, capfd, tmp_path):
    _run(monkeypatch, "bogus", tmp_path)
    err = capfd.readouterr().err
    assert "unknown GIT_FSWATCH_TRACE value 'bogus'" in err
    assert "test.hello" not in err


def test_a_free_form_line_is_a_note(monkeypatch, capfd):
    monkeypatch.setenv("GIT_FSWATCH_TRACE", "2")
    trace.reset()
    trace.trace("%d done", 3)
    trace.reset()
    assert trace.parse(capfd.readouterr().err) == ("note", {"message": "3 done"})


def test_not_an_event():
    assert trace.parse("warning: something else") is None
