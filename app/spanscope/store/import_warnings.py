"""The warnings an import gives about what a file records (counted by file_warnings.sql)."""

from __future__ import annotations

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
