"""The journal: tokens, since(), coalescing, bounds, resets."""

import pytest
from hypothesis import given, settings, strategies as st

from git_fswatch.watch.journal import Journal


def ready_journal(**kw):
    j = Journal(**kw)
    j.mark_ready()
    return j


def test_no_token_is_fresh():
    j = ready_journal()
    assert j.since(None) == (None, "fresh")


def test_paths_since_token_once_each_in_order():
    j = ready_journal()
    j.record(b"before")
    t = j.token()
    j.record(b"a")
    j.record(b"d/")
    j.record(b"a")
    j.record(b"b\nc")
    assert j.since(t) == ([b"d/", b"a", b"b\nc"], None)
    assert j.since(j.token()) == ([], None)


def test_coalescing_holds_one_entry_per_path():
    j = ready_journal()
    for _ in range(1000):
        j.record(b"hot")
    assert j.stats["paths"] == 1
    assert j.stats["records"] == 1000


def test_tokens_before_ready_answer_crawling():
    j = Journal()
    early = j.token()
    assert j.since(early) == (None, "crawling")
    j.record(b"x")
    during = j.token()
    j.mark_ready()
    assert j.since(early) == (None, "crawling")
    assert j.since(during) == (None, "crawling")
    t = j.token()
    j.record(b"y")
    assert j.since(t) == ([b"y"], None)
    j.mark_ready()                  # a second call changes nothing
    assert j.since(t) == ([b"y"], None)


@pytest.mark.parametrize("bad", [
    "", "nocolon", ":5", "abc:", "abc:-1", "abc:1x", "abc:01", "abc: 1",
    "abc:\u0661", b"\xff:1",
])
def test_unparseable_tokens(bad):
    j = ready_journal()
    assert j.since(bad) == (None, "unknown-token")


def test_other_instance_and_future_tokens():
    j = ready_journal()
    other = ready_journal()
    assert j.since(other.token()) == (None, "unknown-token")
    assert j.since("%s:%d" % (j.instance, j.stats["seq"] + 1)) == (None, "unknown-token")
    assert j.since(j.token().encode()) == ([], None)


def test_reset_changes_instance_and_names_its_reason():
    j = ready_journal()
    t = j.token()
    old = j.instance
    j.record(b"a")
    j.reset("overflow")
    assert j.instance != old
    assert j.since(t) == (None, "overflow")
    assert j.since(j.token()) == (None, "crawling")
    j.mark_ready()
    t2 = j.token()
    j.record(b"b")
    assert j.since(t2) == ([b"b"], None)
    assert j.since(t) == (None, "overflow")
    assert j.stats["resets"] == 1


def test_bound_drops_oldest_and_expires_older_tokens():
    j = ready_journal(max_paths=3)
    t0 = j.token()
    j.record(b"a")
    t1 = j.token()
    j.record(b"b")
    j.record(b"c")
    j.record(b"d")                  # drops a
    assert j.stats["paths"] == 3
    assert j.since(t0) == (None, "expired")
    assert j.since(t1) == ([b"b", b"c", b"d"], None)
    j.record(b"b")                  # coalesces, drops nothing
    assert j.since(t1) == ([b"c", b"d", b"b"], None)


# ---- property test against a model that keeps the whole history ------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.sampled_from([b"a", b"b", b"c/", b"d", b"e\n", b"f"])),
        st.tuples(st.just("token"), st.none()),
        st.tuples(st.just("since"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("reset"), st.none()),
        st.tuples(st.just("ready"), st.none()),
    ),
    max_size=80)


@settings(max_examples=300, deadline=None)
@given(ops, st.integers(min_value=1, max_value=5))
def test_matches_full_history_model(operations, max_paths):
    j = Journal(max_paths=max_paths)
    history = []        # every record, in order, as (epoch, path)
    epoch = 0           # bumps on reset
    ready = False
    tokens = []         # (token, epoch, len(history), drops then, ready then)
    for op, arg in operations:
        if op == "record":
            j.record(arg)
            history.append((epoch, arg))
        elif op == "token":
            tokens.append((j.token(), epoch, len(history), j.stats["dropped"], ready))
        elif op == "reset":
            j.reset("overflow")
            epoch += 1
            ready = False
        elif op == "ready":
            j.mark_ready()
            ready = True
        elif op == "since" and tokens:
            tok, t_epoch, t_len, t_drops, t_ready = tokens[arg % len(tokens)]
            paths, reason = j.since(tok)
            if t_epoch != epoch:
                assert (paths, reason) == (None, "overflow")
                continue
            if not t_ready or not ready:
                assert (paths, reason) == (None, "crawling")
                continue
            if j.stats["dropped"] == t_drops:
                # Nothing was dropped since: the answer must be exact.
                expect = []
                for _, p in history[t_len:]:
                    if p in expect:
                        expect.remove(p)
                    expect.append(p)
                assert reason is None
                assert paths == expect
            elif reason is None:
                # Still answered: it must be exact all the same.
                expect = []
                for _, p in history[t_len:]:
                    if p in expect:
                        expect.remove(p)
                    expect.append(p)
                assert paths == expect
            else:
                assert (paths, reason) == (None, "expired")
        assert j.stats["paths"] <= max_paths


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=3), max_size=60),
       st.integers(min_value=1, max_value=8))
def test_expires_exactly_when_the_answer_would_not_fit(paths, max_paths):
    """Expired if and only if more distinct paths changed than the bound holds."""
    j = ready_journal(max_paths=max_paths)
    toks = []
    for i, p in enumerate(paths):
        toks.append((j.token(), i))
        j.record(p)
    for tok, i in toks:
        got, reason = j.since(tok)
        distinct_after = len(set(paths[i:]))
        if distinct_after > max_paths:
            assert (got, reason) == (None, "expired")
        else:
            assert reason is None
            assert len(got) == distinct_after


def test_always_paths_are_in_every_answer_until_unmarked():
    j = ready_journal()
    t = j.token()
    j.always(b"locked/")
    j.record(b"a")
    assert j.since(t) == ([b"a", b"locked/"], None)
    assert j.since(j.token()) == ([b"locked/"], None)
    j.record(b"locked/")
    assert j.since(t) == ([b"a", b"locked/"], None)      # once
    assert j.since(None) == (None, "fresh")
    j.always(b"locked/", False)
    assert j.since(j.token()) == ([], None)
    j.always(b"x/")
    j.reset("overflow")
    j.mark_ready()
    assert j.since(j.token()) == ([], None)
    assert j.stats["always"] == 0
