"""``spanscope check`` and ``spanscope rebuild``: is the database whole, and starting it
again from the files it was imported from when it is not.

``check`` opens the database (replaying a log left by a crash), reads every table through to
its end (a file cut short opens and fails only where a block is missing), and compares each
imported file's recorded span count with the spans stored for it. A damaged file or log is
copied aside (never deleted) and a readable copy is made of what DuckDB can still read.
``rebuild`` makes a new database beside the old one: the annotations that could be read (and
those of ``--annotations FILE``) first, then the files again; only then is it renamed over the
old file, so a rebuild stopped at any moment leaves the old database where it was.

``check --json`` prints one object: ``status`` ("ok", "incomplete", "damaged", "refused"),
``database``, ``message``, and for "damaged" ``copies``, ``readable``, ``files``,
``annotations``; for "ok"/"incomplete" ``files``, ``spans``, ``annotations``, ``incomplete``
(paths) and ``kept_log``. That shape is a public contract.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from spanscope import ingest, paths
from spanscope.core.annotation_file import AnnotationFileError, read_annotations
from spanscope.model import ImportStatus
from spanscope.store import Database, StoreError
from spanscope.store.annotations import annotation_count
from spanscope.store.database import DatabaseDamaged, DatabaseLocked, SchemaTooNew
from spanscope.store.recovery import (
    SetAside,
    build_beside,
    damaged_table,
    file_counts,
    put_in_place,
    set_aside,
    spans_without_file,
)
from spanscope.store.writer import Writer

WRITES: set[str] = set()
NO_DATABASE = {"check", "rebuild"}  # they open the database themselves, damaged or not


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("check", "check the database file: it opens, and every imported file is whole")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p = command(
        "rebuild",
        "start the database again from the files it was imported from, keeping annotations "
        "(the old file is copied aside first)",
    )
    p.add_argument("paths", nargs="*", type=Path, help="more files or folders to import")
    p.add_argument("--annotations", type=Path, help="an annotations file to restore as well")
    p.add_argument("--yes", action="store_true", help="do not ask before replacing the file")


def _path(args: argparse.Namespace) -> Path:
    given = getattr(args, "db", None)
    return Path(given).expanduser() if given else paths.default_database()


def _check(_db: None, args: argparse.Namespace, out: TextIO) -> int:
    path = _path(args)
    report: dict[str, Any] = {"database": str(path)}
    try:
        db = Database.open(path, search_index=False)
        damage = damaged_table(db)
        if damage is not None:
            db.close()
            raise DatabaseDamaged(db.path, "file", f"Reading {damage}")
    except DatabaseDamaged as damaged:
        aside = set_aside(damaged.path, damaged.detail)
        report |= {
            "status": "damaged",
            "message": str(damaged),
            "copies": str(aside.folder),
            "readable": str(aside.readable) if aside.readable else None,
            "files": [str(p) for p in aside.sources],
            "annotations": len(aside.annotations),
            "unreadable_annotations": aside.unreadable,
        }
        if args.json:
            out.write(json.dumps(report) + "\n")
            return 1
        out.write(f"{damaged}\n\n{aside.summary()}\n\n")
        if aside.readable is not None:
            out.write(f"To look at what could be read:  spanscope --db '{aside.readable}' ls\n")
        out.write(
            f"To start again from the files it was imported from (annotations kept):  "
            f"spanscope --db '{path}' rebuild [more files]\n"
        )
        return 1
    except (DatabaseLocked, SchemaTooNew, StoreError) as exc:
        if args.json:
            out.write(json.dumps(report | {"status": "refused", "message": str(exc)}) + "\n")
        else:
            print(f"spanscope: {exc}", file=sys.stderr)
        return 2
    try:
        cur = db.reader()
        counts = file_counts(cur)
        loose = spans_without_file(cur)
        annotations = annotation_count(cur)
    finally:
        db.close()
    # A later file may replace spans of an earlier one (same ids), even all of them (Tuesday's
    # export repeating Monday's), so fewer stored spans than recorded, or none, is normal;
    # more is not. A file is imported in one transaction, so a half import cannot be left.
    incomplete = [c.path for c in counts if c.stored > c.recorded]
    status = "ok" if not incomplete and not loose else "incomplete"
    report |= {
        "status": status,
        "files": len(counts),
        "spans": sum(c.stored for c in counts),
        "annotations": annotations,
        "incomplete": incomplete,
        "kept_log": str(db.kept_log) if db.kept_log else None,
    }
    if args.json:
        out.write(json.dumps(report | {"message": ""}) + "\n")
        return 0 if status == "ok" else 1
    if db.kept_log:
        out.write(
            "The database was not closed properly last time; its log was replayed (a copy is "
            f"kept at {db.kept_log}).\n"
        )
    out.write(
        f"{path}: {report['files']:,} files, {report['spans']:,} spans, {annotations:,} annotations"
    )
    if status == "ok":
        out.write("; every file is whole.\n")
        return 0
    out.write("\n")
    for name in incomplete:
        out.write(f"incomplete: {name}\n")
    if loose:
        out.write(f"{loose:,} spans belong to no imported file\n")
    out.write(f"To start again from the files:  spanscope --db '{path}' rebuild\n")
    return 1


def _rebuild(_db: None, args: argparse.Namespace, out: TextIO) -> int:
    path = _path(args).resolve()
    extra = []
    if args.annotations is not None:
        try:
            extra = read_annotations(args.annotations)
        except (AnnotationFileError, OSError) as exc:
            print(f"spanscope: {args.annotations}: {exc}", file=sys.stderr)
            return 2
    aside: SetAside | None = None
    if path.exists():
        detail = ""
        try:
            Database.open(
                path, search_index=False
            ).close()  # a healthy file: replay its log before copying it
        except DatabaseDamaged as damaged:
            detail = damaged.detail
        except (DatabaseLocked, SchemaTooNew) as exc:
            print(f"spanscope: {exc}", file=sys.stderr)  # never rebuild over those
            return 2
        except StoreError:
            pass
        aside = set_aside(path, detail)
        out.write(f"{aside.summary()}\n")
    sources = aside.sources if aside else []
    annotations = aside.annotations if aside else []
    missing = [p for p in sources if not p.exists()]
    files = [p for p in sources if p.exists()] + list(args.paths)
    if not args.yes and sys.stdin.isatty():
        answer = input(f"Replace {path} with a new database of {len(files)} files? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            out.write("Nothing changed.\n")
            return 1
    # Built beside the old file and renamed over it only once complete: stopped at any moment
    # (a kill, a full disk), the old database is still there, annotations and all.
    db = build_beside(path, annotations + extra)
    try:
        writer = Writer(db, paths.temp_dir())
        results = list(ingest.import_paths(db, files, writer=writer))
    except BaseException:
        db.close()
        raise
    put_in_place(db, path)
    imported = sum(r.status in (ImportStatus.IMPORTED, ImportStatus.UNCHANGED) for r in results)
    for r in results:
        if r.error:
            out.write(f"error: {r.error}\n")
    for p in missing:
        out.write(f"missing: {p} (no longer on disk; import it again when you find it)\n")
    unreadable = aside.unreadable if aside else []
    for what in unreadable:
        out.write(f"not restored: {what} (only in the copies in {aside.folder if aside else ''})\n")
    out.write(
        f"Rebuilt {path}: {imported} of {len(files) + len(missing)} files imported, "
        f"{len(annotations) + len(extra)} annotations restored.\n"
    )
    return 0 if imported == len(files) and not missing and not unreadable else 1


HANDLERS = {"check": _check, "rebuild": _rebuild}
