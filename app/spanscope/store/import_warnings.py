"""The warnings an import gives about what a file records, and the steps after mapping a file
that give some of them (partial records merged, earlier versions replaced, calls counted once)."""

from __future__ import annotations

import duckdb

from spanscope.sqlfiles import load, statements
from spanscope.store.database import first_row

# What each count of file_warnings.sql's call gaps says, in its order. Said once per file so a
# span detail without a model, input or answer is never mistaken for one the import lost: the
# file itself does not record it.
_CALL_GAPS = (
    ("model call", "no model name"),
    ("model call", "no input messages"),
    ("model call", "no output and no error"),
    ("tool call", "no arguments"),
)


def describe_call_gaps(*counts: int) -> list[str]:
    return [
        f"{n} {what} records {gap}" if n == 1 else f"{n} {what}s record {gap}"
        for n, (what, gap) in zip(counts, _CALL_GAPS, strict=True)
        if n
    ]


def describe(
    orphans: int,
    end_before_start: int,
    no_start: int,
    no_convention: int,
    zero_ids: int,
    spans: int,
) -> list[str]:
    out = []
    if orphans:
        out.append(f"{orphans} spans name a parent that is not in the trace; shown as roots")
    if end_before_start:
        out.append(f"{end_before_start} spans end before they start")
    if no_start:
        out.append(f"{no_start} spans have no start time")
    if no_convention:
        if no_convention == spans:
            out.append("no span carries an LLM attribute convention (kind 'other')")
        else:
            out.append(f"{no_convention} spans carry no LLM attribute convention (kind 'other')")
    if zero_ids:
        out.append(
            f"{zero_ids} spans have all-zero ids (placeholders); they were given ids local to this file"
        )
    return out


def count_calls_once(con: duckdb.DuckDBPyConnection, source_id: int) -> list[str]:
    """Clear the usage of model calls recorded again around their own inner calls (see
    same_calls.sql); warn about those that cannot be told apart."""
    params = {"source_id": source_id}
    clear, count = statements(load("spanscope.store", "same_calls.sql"))
    cleared = first_row(con.execute(clear, params))
    unsure = first_row(con.execute(count, params))
    out = []
    if cleared and cleared[0]:
        out.append(
            f"{cleared[0]} model calls repeat the usage of the calls inside them; "
            "counted once, on the inner calls"
        )
    if unsure and unsure[0]:
        out.append(
            f"{unsure[0]} model calls hold usage of their own above model calls that do "
            "too; both are counted (they may record the same tokens twice)"
        )
    return out


def merge_and_replace(con: duckdb.DuckDBPyConnection, source_id: int) -> list[str]:
    """Merge the file's partial records of one span; let it replace earlier files' versions."""
    params = {"source_id": source_id}
    warnings: list[str] = []
    repeated = first_row(
        con.execute(
            "SELECT count(*) - count(DISTINCT (trace_id, span_id)) FROM spans WHERE source_id = $source_id",
            params,
        )
    )
    if repeated and repeated[0]:
        for stmt in statements(load("spanscope.store", "merge_partials.sql")):
            con.execute(stmt, params if "$source_id" in stmt else None)
        warnings.append(f"{repeated[0]} partial span records were merged into their spans")
    replaced = first_row(
        con.execute(
            "DELETE FROM spans USING (SELECT trace_id, span_id FROM spans WHERE source_id = $source_id) n "
            # earlier files only: a batch maps later files before this one is finished
            "WHERE spans.source_id < $source_id AND spans.trace_id = n.trace_id "
            "AND spans.span_id = n.span_id",
            params,
        )
    )
    if replaced and replaced[0]:
        warnings.append(
            f"{replaced[0]} spans were already in the database from another file; this "
            "file's version replaced them"
        )
    return warnings


# Spans read in part, each query with what its warning says (one row: how many, the first's
# name and id).
_READ_IN_PART = (
    (
        "flat_cut.sql",
        "{n} spans list more than 1,000 flattened messages or documents (or over 20,000 "
        "attributes for one list) (first: {name!r}, span {span}); the first are shown as "
        "messages and documents, every one is kept in the raw attributes",
    ),
    (
        "cut_values.sql",
        "{n} spans hold a value too long to keep whole (first: {name!r}, span {span}); it is "
        "kept cut, ending with '[…cut by Spanscope: N characters in the file]'",
    ),
)


def read_in_part(con: duckdb.DuckDBPyConnection, source_id: int) -> list[str]:
    """The warnings about spans of the file that were read in part: flattened lists past
    their bound (flat_cut.sql), string values past the reader's cap (cut_values.sql)."""
    out = []
    for query, says in _READ_IN_PART:
        found = first_row(con.execute(load("spanscope.store", query), {"source_id": source_id}))
        if found and found[0]:
            out.append(says.format(n=found[0], name=found[1], span=found[2]))
    return out
