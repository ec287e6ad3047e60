"""Braintrust's merge rows: a row with ``_is_merge: true`` updates the row of the same ``id``.

Braintrust merges such a row into the stored one field by field, and objects recursively
(its ``mergeDicts``): a key the update leaves out keeps its value, a key it sets replaces a
scalar or a list, and an object inside an object is merged again. ``_merge_paths`` names paths
(lists of keys) that the update replaces whole instead. A row without ``_is_merge`` (or with
``false``) replaces what was there.

Only the object-valued fields of each row are held (metadata, metrics, span attributes, an
object input ...): lists and text are replaced by an update anyway, so the largest parts of a
file (message lists, outputs) are never kept in memory.
"""

from __future__ import annotations

from spanscope.importers.values import JsonDict


def merge_objects(
    into: JsonDict, update: JsonDict, replace: list[list[str]] | None = None
) -> JsonDict:
    """``update`` merged into a copy of ``into`` the way Braintrust merges rows."""
    return _merge(into, update, [], replace or [])


def _merge(into: JsonDict, update: JsonDict, path: list[str], replace: list[list[str]]) -> JsonDict:
    out = dict(into)
    for key, value in update.items():
        here = [*path, key]
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and here not in replace:
            out[key] = _merge(old, value, here, replace)
        else:
            out[key] = value
    return out


class RowMerges:
    """The object fields of every row seen so far, by row id, to complete later merge rows."""

    def __init__(self) -> None:
        self._objects: dict[str, JsonDict] = {}
        self.merged = 0

    def complete(self, row: JsonDict, key: str | None) -> JsonDict:
        """The row as Braintrust holds it once this row is applied: a merge row with the
        object fields of the rows before it merged in; any other row as written."""
        if key is None:
            return row
        previous = self._objects.get(key)
        if row.get("_is_merge") is True and previous is not None:
            paths = row.get("_merge_paths")
            replace = (
                [[str(k) for k in p] for p in paths if isinstance(p, list)]
                if isinstance(paths, list)
                else []
            )
            full = {**row, **merge_objects(previous, _objects(row), replace)}
            self.merged += 1
        else:
            full = row
        self._objects[key] = _objects(full)
        return full


def _objects(row: JsonDict) -> JsonDict:
    return {k: v for k, v in row.items() if isinstance(v, dict)}


__all__ = ["RowMerges", "merge_objects"]
