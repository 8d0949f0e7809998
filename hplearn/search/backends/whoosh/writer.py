"""Writing: batches after commits, and a full rebuild into a new directory.

Writers take Whoosh's lock with a timeout and fall back to an AsyncWriter (a thread that waits for
the lock), so a request never blocks on another writer for long; readers never need the lock.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from whoosh.index import LockError
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.writing import AsyncWriter

from hplearn.search.backends.base import Progress
from hplearn.search.backends.whoosh import processes
from hplearn.search.backends.whoosh.schema import SetCodec, whoosh_fields
from hplearn.search.backends.whoosh.store import IndexStore, registered_types
from hplearn.search.documents import IndexedDocument

log = logging.getLogger(__name__)
processes.install()

WRITE_LOCK_TIMEOUT = 2.0
# A bulk writer may wait longer for the lock: a request's writer holds it for a moment only.
BULK_LOCK_TIMEOUT = 30.0
PARALLEL_FROM = 5000
# Each writer process keeps its postings in memory up to WRITER_MB; beyond that Whoosh spills
# sorted runs to disk and merges them, which costs more than the writing itself. So a rebuild uses
# at least one process per core and enough of them that each holds about DOCS_PER_WRITER.
WRITER_MB = 1024
DOCS_PER_WRITER = 50_000
MAX_WRITER_PROCS = 8
# When a bulk write commits, the segments holding fewer live documents than this (or having
# lost more than half of theirs) are merged into one, so that years of small commits do not
# leave a resource search reading dozens of segments.
MERGE_BELOW = 20_000


def writer_processes(expected: int) -> int:
    """How many writer processes a rebuild of about `expected` documents uses (1: in-process)."""
    if expected < PARALLEL_FROM:
        return 1
    cores = os.cpu_count() or 1
    return min(MAX_WRITER_PROCS, max(cores, -(-expected // DOCS_PER_WRITER)))


def _doc_type_of(key: str) -> str:
    return key.partition(":")[0]


class IndexWriter:
    """Writes to the indexes of store; notes the changes a running rebuild must replay."""

    def __init__(self, store: IndexStore):
        self.store = store

    @property
    def _rebuild_marker(self) -> Path:
        return self.store.root / "REBUILDING"

    @property
    def _journal(self) -> Path:
        return self.store.root / "changed-during-rebuild.txt"

    def apply_batches(self, batches: Iterable[tuple[list[IndexedDocument], list[str]]]) -> None:
        """Write every batch with one writer and one commit per document type (each commit
        may merge segments)."""
        writers: dict[str, object] = {}

        def writer_for(doc_type: str, changes: int):
            if doc_type not in writers:
                writers[doc_type] = self._writer(doc_type, changes)
            return writers[doc_type]

        try:
            for upserts, deletes in batches:
                if upserts or deletes:
                    self.note_if_rebuilding(upserts, deletes)
                    changes = len(upserts) + len(deletes)
                    for key in deletes:
                        writer_for(_doc_type_of(key), changes).delete_by_term("key", key)
                    for doc in upserts:
                        writer_for(doc.doc_type, changes).update_document(**whoosh_fields(doc))
        except BaseException:
            for writer in writers.values():
                writer.cancel()
            raise
        for writer in writers.values():
            writer.commit()

    def bulk(self, expected: int) -> BulkWriter:
        """A writer for a long run of batches (an import of about `expected` documents)."""
        return BulkWriter(self, expected)

    def note_if_rebuilding(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        # Noted before writing: the rebuild replays these once its index is live.
        if self._rebuild_marker.exists():
            with self._journal.open("a", encoding="utf-8") as journal:
                journal.write("".join(f"{key}\n" for key in [*deletes, *(d.key for d in upserts)]))

    def _writer(self, doc_type: str, changes: int):
        index = self.store.open_index(doc_type, create=True)
        try:
            return index.writer(timeout=WRITE_LOCK_TIMEOUT, codec=SetCodec())
        except LockError:
            log.info("search index busy: queueing %d or more changes", changes)
            return AsyncWriter(index, delay=0.25, writerargs={"codec": SetCodec()})

    def changed_during_rebuild(self) -> list[str]:
        """Keys written to the old index while the last rebuild ran (read once)."""
        try:
            keys = self._journal.read_text(encoding="utf-8").split()
        except OSError:
            return []
        self._journal.unlink(missing_ok=True)
        return list(dict.fromkeys(keys))

    def rebuild(
        self, batches: Iterable[list[IndexedDocument]], progress: Progress, expected: int = 0
    ) -> int:
        """Write every document into a new directory, then swap it in."""
        new_dir = self.store.new_dir()
        self._journal.unlink(missing_ok=True)
        self._rebuild_marker.write_text(str(os.getpid()))
        try:
            written = _write_all(new_dir, batches, progress, expected)
            self.store.swap_in(new_dir)
        except BaseException:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
        finally:
            self._rebuild_marker.unlink(missing_ok=True)
        return written


def merge_small_segments(writer, segments):
    """A Whoosh merge policy: drop segments whose every document was deleted, merge the small
    and the mostly deleted ones into the writer's new segment, keep the rest."""
    live = [segment for segment in segments if segment.doc_count() > 0]
    small = [segment for segment in live if segment.doc_count() < MERGE_BELOW
             or segment.doc_count() < segment.doc_count_all() / 2]
    if len(small) == 1 and not small[0].has_deletions():
        small = []  # one small segment alone gains nothing from being rewritten
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in live if segment not in small]


class BulkWriter:
    """One Whoosh writer per document type for a run of batches, committed once at the end.

    For PARALLEL_FROM documents or more it is Whoosh's multi-process writer, as in a rebuild:
    documents are analyzed and written by one process per core while the caller goes on with
    its next batch, and each process leaves one segment. A document already in the index is
    deleted from it first; a key that comes a second time is written after the commit. If
    another writer holds the lock too long, batches go the ordinary way, one commit each.
    """

    def __init__(self, index_writer: IndexWriter, expected: int):
        self._index_writer = index_writer
        self._procs = writer_processes(expected)
        self._writers: dict[str, tuple] = {}
        self._seen: set[str] = set()
        self._again: dict[str, IndexedDocument | None] = {}
        self._ordinary = False

    def add(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write one batch (one database commit's changes) into the open writers."""
        if self._ordinary:
            self._index_writer.apply_batches([(upserts, deletes)])
            return
        self._index_writer.note_if_rebuilding(upserts, deletes)
        for key in deletes:
            if self._first_time(key, None):
                self._delete_existing(key)
        for doc in upserts:
            if self._first_time(doc.key, doc):
                writer = self._delete_existing(doc.key)
                if writer is None:
                    self._index_writer.apply_batches([([doc], [])])
                else:
                    writer.add_document(**whoosh_fields(doc, deferred=self._procs > 1))

    def _first_time(self, key: str, doc: IndexedDocument | None) -> bool:
        if key in self._seen:
            self._again[key] = doc
            return False
        self._seen.add(key)
        return True

    def _delete_existing(self, key: str):
        # The writer's own reader sees the segments as they were when it took the lock.
        entry = self._entry(_doc_type_of(key))
        if entry is None:
            return None
        writer, existing = entry
        try:
            docnums = list(existing.postings("key", key).all_ids())
        except TermNotFound:
            docnums = []
        for docnum in docnums:
            writer.delete_document(docnum)
        return writer

    def _entry(self, doc_type: str):
        if doc_type not in self._writers and not self._ordinary:
            index = self._index_writer.store.open_index(doc_type, create=True)
            try:
                writer = index.writer(timeout=BULK_LOCK_TIMEOUT, codec=SetCodec(),
                                      limitmb=WRITER_MB, procs=self._procs, multisegment=True)
            except LockError:
                log.warning("search index busy for %.0f s: writing batch by batch",
                            BULK_LOCK_TIMEOUT)
                self._ordinary = True
                return None
            self._writers[doc_type] = (writer, writer.reader())
        return self._writers.get(doc_type)

    def commit(self) -> None:
        """Finish every writer (waiting for its processes), then write the repeated keys."""
        writers, self._writers = self._writers, {}
        for writer, existing in writers.values():
            existing.close()
            writer.commit(mergetype=merge_small_segments)
        if self._again:
            upserts = [doc for doc in self._again.values() if doc is not None]
            deletes = [key for key, doc in self._again.items() if doc is None]
            self._index_writer.apply_batches([(upserts, deletes)])
            self._again = {}

    def cancel(self) -> None:
        """Drop what was written since the writers opened and release the lock."""
        writers, self._writers = self._writers, {}
        for writer, existing in writers.values():
            existing.close()
            for task in getattr(writer, "tasks", ()):  # the multi-process writer's processes
                task.terminate()
                task.join()
            writer.cancel()


def _write_all(new_dir: Path, batches, progress: Progress, expected: int) -> int:
    indexes = IndexStore.create_partitions(new_dir, registered_types())
    deferred = expected >= PARALLEL_FROM
    writer, writing = None, None
    written = 0
    try:
        for batch in batches:
            for doc in batch:
                if doc.doc_type != writing:  # batches come one document type after another
                    if writer is not None:
                        writer.commit()
                    writing = doc.doc_type
                    writer = indexes[writing].writer(
                        limitmb=WRITER_MB, codec=SetCodec(),
                        procs=writer_processes(expected), multisegment=True,
                    )
                writer.add_document(**whoosh_fields(doc, deferred=deferred))
            written += len(batch)
            progress(written)
    except BaseException:
        if writer is not None:
            writer.cancel()
        raise
    if writer is not None:
        writer.commit()
    return written
