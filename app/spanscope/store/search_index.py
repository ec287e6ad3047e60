"""The full-text index: a tantivy index in a folder beside the database file.

Tantivy (the Rust search engine) indexes a span's searchable text with word positions many
times faster than tables of terms in DuckDB could, and ranks matches (BM25). The database
stays the truth: each indexed span has a small number (``search_docs.doc_id``) given to it in
a committed transaction *before* its text reaches the index, and a search maps the numbers it
finds back through ``search_docs``. So the index may hold more than the database (a span since
replaced, a file whose indexing was cut off): those numbers match no span. What it may never
do is hold a number the database would give out again, or miss a file the database thinks
indexed. Hence:

- numbers come from a counter in ``meta`` (``search_next_doc_id``) that only grows;
- a file leaves ``search_pending`` only after the index committed its spans;
- before a file's spans are added, the index drops whatever it held of that file, so indexing
  it again after a crash never counts a span twice;
- ``spanscope-index.json`` in the folder names the database it belongs to (``search_index_id``
  in ``meta``) and the highest number it may hold. An index whose name differs, or that may
  hold numbers the database has not given out (a database restored from an older copy), is
  thrown away and every file indexed again; searches read the files meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import tantivy

BODY = "body"  # the searchable text of a span
DOC_ID = "doc_id"  # search_docs.doc_id
SOURCE = "source"  # the span's file (sources.source_id), to drop a file's spans at once
MARKER = "spanscope-index.json"
# The body's tokens: runs of letters and digits (tantivy's simple tokenizer), lowercased. A
# token longer than tantivy can store (65,530 bytes) is left out: text the index cannot hold.
TOKENIZER = "spanscope_words"
_LONGEST_TOKEN = 65_000
# Indexing memory, shared by its threads; tantivy writes a segment each time it fills.
_INDEXING_HEAP = 200_000_000
# Numbers of matching spans are read this many at a time (bounds what Python holds at once).
_HITS_AT_ONCE = 1_000_000


class SearchIndexUnavailable(RuntimeError):
    """A read-only database whose index is missing or out of step: text search cannot answer."""


def folder_of(database: Path) -> Path:
    """Where the index of ``database`` lives."""
    return database.with_name(database.name + ".search")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field(DOC_ID, indexed=True, fast=True)
    builder.add_unsigned_field(SOURCE, indexed=True)
    builder.add_text_field(BODY, tokenizer_name=TOKENIZER, index_option="position")
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(_LONGEST_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


@dataclass(frozen=True)
class Marker:
    """What ``spanscope-index.json`` says: whose index this is, and the highest span number
    it may hold."""

    index_id: str
    max_doc_id: int

    @classmethod
    def read(cls, folder: Path) -> Marker | None:
        try:
            data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
            return cls(str(data["index_id"]), int(data["max_doc_id"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, folder: Path) -> None:
        """Replace the marker atomically (a crash leaves the old one or the new one)."""
        temp = folder / (MARKER + ".new")
        temp.write_text(
            json.dumps({"index_id": self.index_id, "max_doc_id": self.max_doc_id}),
            encoding="utf-8",
        )
        os.replace(temp, folder / MARKER)


def in_step(folder: Path, index_id: str, next_doc_id: int) -> bool:
    """True when the index in ``folder`` belongs to the database named ``index_id`` and holds
    no span number it has not given out (numbers below ``next_doc_id``)."""
    marker = Marker.read(folder)
    return (
        marker is not None
        and marker.index_id == index_id
        and marker.max_doc_id < next_doc_id
        and (folder / "meta.json").exists()
    )


def new_index_id() -> str:
    """A fresh name for a database's index."""
    return uuid.uuid4().hex


class SearchIndex:
    """The open index of one database: searches from any thread, one writer at a time."""

    def __init__(self, folder: Path, index_id: str, writable: bool) -> None:
        self.folder = folder
        self.index_id = index_id
        self.writable = writable
        self._schema = _schema()
        self._analyzer = _analyzer()
        self._index = tantivy.Index(self._schema, path=str(folder), reuse=True)
        self._index.register_tokenizer(TOKENIZER, self._analyzer)
        self._lock = threading.Lock()
        self._generation = 0  # commits made through this object

    @classmethod
    def create(cls, folder: Path, index_id: str) -> SearchIndex:
        """An empty index in ``folder`` (whatever was there is removed)."""
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        index = cls(folder, index_id, writable=True)
        Marker(index_id, 0).write(folder)
        return index

    # -- reading -------------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """The index's tokens of ``text``, as a search for it is looked up."""
        return list(self._analyzer.analyze(text))

    def _searcher(self) -> tantivy.Searcher:
        with self._lock:
            self._index.reload()
            return self._index.searcher()

    def doc_ids(self, query: tantivy.Query) -> pa.Array:
        """The span numbers of every document matching ``query``, ascending."""
        searcher = self._searcher()
        total = searcher.search(query, limit=1, count=True).count  # type: ignore[attr-defined]  # missing from tantivy's stubs
        if not total:
            return pa.array([], type=pa.int64())
        if total <= _HITS_AT_ONCE:
            return _numbers(
                searcher.search(
                    query, limit=total, count=False, order_by_field=DOC_ID, order=tantivy.Order.Asc
                )
            )
        return pa.chunked_array(
            list(self._doc_ids_by_range(searcher, query)), pa.int64()
        ).combine_chunks()

    def _doc_ids_by_range(
        self, searcher: tantivy.Searcher, query: tantivy.Query
    ) -> Iterator[pa.Array]:
        """Many hits, read a range of numbers at a time so Python never holds them all."""
        top = searcher.search(
            tantivy.Query.all_query(), limit=1, count=False, order_by_field=DOC_ID
        ).hits
        highest = int(top[0][0]) if top else 0
        for low in range(0, highest + 1, _HITS_AT_ONCE):
            in_range = tantivy.Query.range_query(
                self._schema, DOC_ID, tantivy.FieldType.Unsigned, low, low + _HITS_AT_ONCE - 1
            )
            both = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, in_range)]
            )
            yield _numbers(
                searcher.search(
                    both,
                    limit=_HITS_AT_ONCE,
                    count=False,
                    order_by_field=DOC_ID,
                    order=tantivy.Order.Asc,
                )
            )

    def ranked(self, query: tantivy.Query, limit: int) -> pa.StructArray:
        """The ``limit`` best matches by relevance (BM25): ``doc_id`` and ``score``."""
        searcher = self._searcher()
        hits = searcher.search(query, limit=max(1, limit), count=False).hits
        ids = searcher.fast_field_values(DOC_ID, [address for _, address in hits])
        return pa.StructArray.from_arrays(
            [pa.array(ids, type=pa.int64()), pa.array([s for s, _ in hits], type=pa.float64())],
            names=["doc_id", "score"],
        )

    def state(self) -> tuple[int, int, int]:
        """Changes whenever what a search finds may change: a commit here, or one another
        process made to the folder (a read-only copy reading its holder's index)."""
        searcher = self._searcher()
        return (self._generation, int(searcher.num_docs), int(searcher.num_segments))

    def document_count(self) -> int:
        """Documents in the index (spans since replaced included, until it is started over)."""
        return int(self._searcher().num_docs)

    @property
    def schema(self) -> tantivy.Schema:
        """The index's schema, to build queries with."""
        return self._schema

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def adding(self, sources: Iterable[int], max_doc_id: int) -> Iterator[DocumentSink]:
        """Replace what the index holds of ``sources`` with the documents added inside the
        block, committed when it ends; nothing of them is kept when it raises."""
        if not self.writable:
            raise SearchIndexUnavailable("the search index of a read-only database is not written")
        # The marker first: a crash after the commit below must not leave numbers up to
        # max_doc_id in an index whose marker says fewer.
        Marker(self.index_id, max_doc_id).write(self.folder)
        writer = self._index.writer(heap_size=_INDEXING_HEAP)
        try:
            for source in sources:
                # by a query: deleting by term misses unsigned fields in these bindings
                writer.delete_documents_by_query(
                    tantivy.Query.term_query(self._schema, SOURCE, source)
                )
            yield DocumentSink(writer)
            writer.commit()
            self._generation += 1
        except BaseException:
            writer.rollback()
            raise
        finally:
            del writer  # releases the folder's writer lock


def _numbers(found: tantivy.SearchResult) -> pa.Array:
    """The span numbers of a search ordered by them (their order keys)."""
    return pa.array([key for key, _ in found.hits], type=pa.int64())


class DocumentSink:
    """Takes documents for :meth:`SearchIndex.adding`."""

    def __init__(self, writer: tantivy.IndexWriter) -> None:
        self._writer = writer

    def add(self, doc_id: int, source: int, fields: list[str]) -> None:
        """Index one span's text fields under its number, each a value of its own so that
        words at the end of one and the start of the next are not next to each other."""
        document = tantivy.Document()
        document.add_unsigned(DOC_ID, doc_id)
        document.add_unsigned(SOURCE, source)
        for field in fields:
            document.add_text(BODY, field)
        self._writer.add_document(document)
