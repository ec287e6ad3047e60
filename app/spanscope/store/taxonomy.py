"""The label taxonomy and rubric items stored in the database (``label_taxonomy``,
``rubric_items``): read them, and change them through a cursor of the writer connection."""

from __future__ import annotations

import duckdb

from spanscope.model.annotation import LabelDef, RubricItem
from spanscope.store.annotations import try_checkpoint


def labels(cur: duckdb.DuckDBPyConnection) -> list[LabelDef]:
    """Every label of the taxonomy, in panel order."""
    rows = cur.execute(
        "SELECT name, colour, shortcut, description, position FROM label_taxonomy "
        "ORDER BY position, name"
    ).fetchall()
    return [LabelDef(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]


def rubric(cur: duckdb.DuckDBPyConnection) -> list[RubricItem]:
    """Every rubric item, in panel order."""
    rows = cur.execute(
        "SELECT name, kind, min_score, max_score, description, position FROM rubric_items "
        "ORDER BY position, name"
    ).fetchall()
    return [RubricItem(r[0], r[1], r[2], r[3], r[4], int(r[5])) for r in rows]


def save_labels(con: duckdb.DuckDBPyConnection, taxonomy: list[LabelDef]) -> None:
    """Replace the taxonomy with ``taxonomy`` (one transaction). Annotations keep their
    labels even when a label leaves the taxonomy: it only stops being offered."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM label_taxonomy")
        for position, label in enumerate(taxonomy, 1):
            con.execute(
                "INSERT INTO label_taxonomy VALUES (?, ?, ?, ?, ?)",
                [label.name, label.colour, label.shortcut, label.description, position],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try_checkpoint(con)


def save_rubric(con: duckdb.DuckDBPyConnection, items: list[RubricItem]) -> None:
    """Replace the rubric items (one transaction); scores already given are kept."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM rubric_items")
        for position, item in enumerate(items, 1):
            con.execute(
                "INSERT INTO rubric_items VALUES (?, ?, ?, ?, ?, ?)",
                [item.name, item.kind, item.min_score, item.max_score, item.description, position],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try_checkpoint(con)
