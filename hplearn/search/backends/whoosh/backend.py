"""The default backend: Whoosh indexes in the instance folder (see store for the layout)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hplearn.search.backends.base import (
    BackendQuery,
    BackendResults,
    BulkWriter,
    Progress,
    SearchBackend,
)
from hplearn.search.backends.whoosh.reader import IndexReader
from hplearn.search.backends.whoosh.store import IndexStore
from hplearn.search.backends.whoosh.writer import IndexWriter
from hplearn.search.documents import IndexedDocument


class WhooshBackend(SearchBackend):
    """Whoosh indexes under root: a store of directories, a reader and a writer."""

    name = "whoosh"

    def __init__(self, root: str | os.PathLike):
        self.store = IndexStore(root)
        self.reader = IndexReader(self.store)
        self.writer = IndexWriter(self.store)

    @property
    def root(self) -> Path:
        """The folder that holds the index directories."""
        return self.store.root

    @property
    def live_link(self) -> Path:
        """The symlink naming the index directory in use."""
        return self.store.live_link

    def live_dir(self) -> Path | None:
        """The index directory in use, or None."""
        return self.store.live_dir()

    def ready(self) -> bool:
        """Whether the live index exists, is of this format and every type's index opens."""
        return self.store.ready()

    def create_if_missing(self) -> bool:
        """Create an empty live index if there is none."""
        return self.store.create_if_missing()

    # -- reading --------------------------------------------------------------------------

    def searcher(self, doc_type: str = "resource"):
        """The process's searcher on doc_type's live index (None if it has none yet); threads
        share it, so read it while holding `self.reader.turn()`."""
        return self.reader.searcher(doc_type)

    def cache_token(self, doc_type: str = "resource") -> str:
        """The live index and the generation of doc_type's index: writes and rebuilds change it."""
        return self.reader.cache_token(doc_type)

    def search(self, request: BackendQuery) -> BackendResults:
        """Ranked ids, the match count and facet counts."""
        return self.reader.search(request)

    def count(self, request: BackendQuery) -> int:
        """How many documents match (no ranking)."""
        return self.reader.count(request)

    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles whose start matches prefix, most viewed first."""
        return self.reader.suggest(prefix, doc_type, limit)

    def indexed_ids(self, doc_type: str) -> set[int]:
        """The object ids of every document of doc_type in the index."""
        return self.reader.indexed_ids(doc_type)

    # -- writing --------------------------------------------------------------------------

    def apply(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write one batch; never wait more than WRITE_LOCK_TIMEOUT for another writer."""
        if upserts or deletes:
            self.apply_batches([(upserts, deletes)])

    def apply_batches(self, batches: Iterable[tuple[list[IndexedDocument], list[str]]]) -> None:
        """Write every batch with one writer and one commit per document type."""
        self.writer.apply_batches(batches)

    def bulk_writer(self, expected: int) -> BulkWriter:
        """One writer per document type for the whole run, committed once (multi-process for
        big runs, like a rebuild)."""
        return self.writer.bulk(expected)

    def changed_during_rebuild(self) -> list[str]:
        """Keys written to the old index while the last rebuild ran (read once)."""
        return self.writer.changed_during_rebuild()

    def rebuild(
        self, batches: Iterable[list[IndexedDocument]], progress: Progress, expected: int = 0
    ) -> int:
        """Write every document into a new directory, then swap it in."""
        written = self.writer.rebuild(batches, progress, expected)
        self.reader.forget()
        return written
