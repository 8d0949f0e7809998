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
from whoosh.writing import AsyncWriter

from hplearn.search.backends.base import Progress
from hplearn.search.backends.whoosh.schema import SetCodec, whoosh_fields
from hplearn.search.backends.whoosh.store import IndexStore, registered_types
from hplearn.search.documents import IndexedDocument

log = logging.getLogger(__name__)

WRITE_LOCK_TIMEOUT = 2.0
PARALLEL_FROM = 5000
# Each writer process keeps its postings in memory up to WRITER_MB; beyond that Whoosh spills
# sorted runs to disk and merges them, which costs more than the writing itself. So a rebuild uses
# at least one process per core and enough of them that each holds about DOCS_PER_WRITER.
WRITER_MB = 1024
DOCS_PER_WRITER = 50_000
MAX_WRITER_PROCS = 8


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
                    self._note_if_rebuilding(upserts, deletes)
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

    def _note_if_rebuilding(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
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
