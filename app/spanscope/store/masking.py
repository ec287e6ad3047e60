"""The SQL that masks what changes from one occurrence of a text to the next — timestamps,
uuids, quoted values, long hex, and words holding digits (ids, numbers) — so that "order A-1234
not found" and "order B-77 not found" read alike. Failure groups and prompt versions both use
it, so a message and a prompt are normalised the same way.

SQL files put ``{masked}`` (everything masked) or ``{masked_ids}`` (numbers and quoted values
kept: only timestamps, uuids, hex and ids mixing letters and digits masked) where the masked
text goes; both read the column ``text_to_mask`` of the row they are computed on.
"""

from __future__ import annotations

# (pattern, replacement), in order: whole timestamps and uuids before the digits inside them.
_TIME = (r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?", "<time>")
_UUID = (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<uuid>")
_QUOTED = (r"""\"[^"]*\"|(^|[\s(\[{=:,])'[^']*'""", r"\1<value>")
_HEX = (r"\b(0x)?[0-9a-fA-F]{12,}\b", "<hex>")
_ID = (
    r"\b[A-Za-z_./-]*[A-Za-z][A-Za-z_./-]*[0-9][A-Za-z0-9_./-]*|\b[0-9]+[_./-]?[A-Za-z][A-Za-z0-9_./-]*",
    "<id>",
)
_DIGITS = (r"[A-Za-z_./-]*[0-9][A-Za-z0-9_./-]*", "<n>")
_SPACE = (r"\s+", " ")

EVERYTHING = (_TIME, _UUID, _QUOTED, _HEX, _DIGITS, _SPACE)
IDS_ONLY = (_TIME, _UUID, _HEX, _ID, _SPACE)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def masked_sql(
    column: str = "text_to_mask",
    limit: int = 200,
    steps: tuple[tuple[str, str], ...] = EVERYTHING,
) -> str:
    """The masking expression over ``column``, trimmed and cut to ``limit`` characters."""
    expression = f"coalesce({column}, '')"
    for pattern, replacement in steps:
        expression = (
            f"regexp_replace({expression}, {_literal(pattern)}, {_literal(replacement)}, 'g')"
        )
    return f"left(trim({expression}), {int(limit)})"


def with_masking(sql: str, limit: int = 200) -> str:
    """``sql`` with its ``{masked}`` and ``{masked_ids}`` placeholders filled in."""
    return sql.replace("{masked}", masked_sql(limit=limit)).replace(
        "{masked_ids}", masked_sql(limit=limit, steps=IDS_ONLY)
    )
