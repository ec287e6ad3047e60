"""Fuzzing the filter parser with any text, including walls of brackets and negations: it
compiles, or says which term is wrong; never another exception (tests/test_filters.py runs
the compiled filters against a store)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz_inputs import EXAMPLES
from spanscope.core.filters import FilterError, compile_filter

WORDS = st.sampled_from(
    ["(", ")", "-", "NOT ", " OR ", " AND ", '"', "kind:llm", "model:gpt*", "duration>2s",
     "cost>0.01", "tokens>=8000", "has:tool", "label:", "x:y", "\\", " ", "\x00", "\u202e"]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(WORDS, max_size=60).map("".join),
    st.integers(1, 20_000).map(lambda n: "(" * n + "kind:llm" + ")" * n),
    st.integers(1, 20_000).map(lambda n: "- " * n + "kind:llm"),
    st.integers(1, 5_000).map(lambda n: " OR ".join(["status:error"] * n)),
)


@settings(max_examples=(EXAMPLES or 30) * 10, deadline=None, database=None)
@given(text=TEXT)
def test_any_text_compiles_or_points_at_a_term(text: str) -> None:
    for table in ("spans", "traces"):
        try:
            where = compile_filter(text, table)
        except FilterError as exc:
            assert 0 <= exc.position <= len(text)
            assert str(exc)
        else:
            assert where.sql.count("?") == len(where.params) or "$" in where.sql


def test_brackets_nested_past_the_limit_are_a_filter_error() -> None:
    text = "(" * 5000 + "kind:llm" + ")" * 5000
    try:
        compile_filter(text, "spans")
    except FilterError as exc:
        assert "nested" in str(exc) and exc.position == 101
    else:
        raise AssertionError("a wall of brackets compiled")
    assert compile_filter("(" * 100 + "kind:llm" + ")" * 100, "spans").sql
