"""Reading: one searcher per document type and process, with one cache per index generation.

A Whoosh searcher reads its files through file positions, so it is not safe to use from two
threads at once: a server's request threads take turns on one searcher per document type (a
lock held while a search reads the index; the database, templates and everything else run in
parallel as before). One searcher instead of one per thread keeps one copy of what Whoosh
holds per searcher and maps each segment once (memory, issue 16 item 6); under the GIL the
threads never read the index at the same time anyway. The document sets, columns and scores
read through it are kept once per process (SharedSets).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import traceback

from hplearn.search.backends.base import BackendQuery, BackendResults
from hplearn.search.backends.whoosh import ranking
from hplearn.search.backends.whoosh.schema import stored, stored_id
from hplearn.search.backends.whoosh.sets import EMPTY, SharedSets, attach_sets, sets_of, union
from hplearn.search.backends.whoosh.store import IndexStore, broken

MAX_EXPANSION = 2000


class IndexReader:
    """Searchers on the live indexes of store, one per document type shared by every thread
    (taking turns), reopened after changes."""

    def __init__(self, store: IndexStore):
        self.store = store
        self._entries: dict[str, tuple] = {}
        self._lock = threading.RLock()
        self._shared: dict[str, tuple[tuple, SharedSets]] = {}
        self._shared_lock = threading.Lock()

    def cache_token(self, doc_type: str = "resource") -> str:
        """The live index and the generation of doc_type's index: writes and rebuilds change it."""
        with self._lock:
            searcher = self._open_searcher(doc_type)
            generation = searcher.reader().generation() if searcher is not None else -1
        return f"{self.store.live_dir().name}:{doc_type}:{generation}"

    def searcher(self, doc_type: str = "resource"):
        """The process's searcher on doc_type's live index (None if it has none yet), reopened
        when the index changed. Another thread may use it at once: read it under `turn()`."""
        with self._lock:
            return self._open_searcher(doc_type)

    def turn(self):
        """The lock to hold while reading through a searcher (one thread at a time)."""
        return self._lock

    def _open_searcher(self, doc_type: str):
        entries = self._entries
        cached = entries.get(doc_type)
        live = self.store.live_dir()
        if cached is not None and cached[0] == live:
            try:
                if cached[1].up_to_date():
                    return cached[1]
            except Exception:  # noqa: BLE001 - a vanished segment: reopen below
                pass
        # Searcher.refresh() would reuse segment readers that miss new deletions: reopen.
        self.forget(doc_type)
        index = self.store.open_index(doc_type)
        if index is None:
            return None
        try:
            searcher = index.searcher()
        except Exception:  # noqa: BLE001 - a damaged segment
            failure = traceback.format_exc(limit=3)
        else:
            attach_sets(searcher, self._shared_sets(doc_type, (str(live), _generation(searcher))))
            entries[doc_type] = (live, searcher)
            return searcher
        raise broken("open a searcher on", failure)

    def _shared_sets(self, doc_type: str, generation: tuple) -> SharedSets:
        # The newest generation of each type is shared; a thread that opened an older one in
        # a race with a writer gets a cache of its own.
        with self._shared_lock:
            known = self._shared.get(doc_type)
            if known is not None and known[0] == generation:
                return known[1]
            shared = SharedSets()
            if known is None or known[0][0] != generation[0] or known[0][1] < generation[1]:
                self._shared[doc_type] = (generation, shared)
            return shared

    def forget(self, doc_type: str | None = None) -> None:
        """Close the searcher on doc_type (every type when None)."""
        with self._lock:
            for name in [doc_type] if doc_type else list(self._entries):
                cached = self._entries.pop(name, None)
                if cached is not None:
                    cached[1].close()

    def _reading(self, doc_type: str, function, *args, empty=None):
        # Damaged files surface as any error while reading: report the index as unavailable.
        with self._lock:
            searcher = self._open_searcher(doc_type)
            if searcher is None:
                return empty
            try:
                return function(searcher, *args)
            except Exception:  # noqa: BLE001
                failure = traceback.format_exc()
            self.forget(doc_type)
        raise broken("read", failure)

    def search(self, request: BackendQuery) -> BackendResults:
        """Ranked ids, the match count and facet counts."""
        nothing = BackendResults(ids=[], total=0, facets={f: [] for f in request.facets})
        if request.query.is_empty:
            return BackendResults(ids=[], total=0)
        return self._reading(request.doc_type, _search, request, empty=nothing)

    def count(self, request: BackendQuery) -> int:
        """How many documents match (no ranking)."""
        return self._reading(
            request.doc_type,
            lambda searcher: len(ranking.matching_docs(sets_of(searcher), request)),
            empty=0,
        )

    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles whose start matches prefix, most viewed first."""
        return self._reading(doc_type, _suggest, prefix, doc_type, limit, empty=[])

    def indexed_ids(self, doc_type: str) -> set[int]:
        """The object ids of the live documents of doc_type (deleted ones left out)."""
        return self._reading(
            doc_type, lambda searcher: {stored_id(f) for f in searcher.all_stored_fields()},
            empty=set(),
        )


def _generation(searcher) -> int:
    generation = searcher.reader().generation()  # None for an index that never had a segment
    return -1 if generation is None else generation


def _search(searcher, request: BackendQuery) -> BackendResults:
    sets = sets_of(searcher)
    matched = ranking.matching_docs(sets, request)
    if not matched:
        return BackendResults(ids=[], total=0, facets={f: [] for f in request.facets})
    end = request.offset + request.limit
    order = ranking.relevance_ids if request.sort == "relevance" else ranking.column_ids
    return BackendResults(
        ids=order(searcher, sets, matched, request, end),
        total=len(matched),
        facets=ranking.facet_sets(sets, matched, request.facets),
    )


def _suggest(searcher, prefix: str, doc_type: str, limit: int) -> list[str]:
    if searcher.doc_count() == 0:
        return []
    sets = sets_of(searcher)
    reader = searcher.reader()
    found = []
    for fieldname in ("title_key", "title_pinyin", "title_initials"):
        for term in itertools.islice(reader.expand_prefix(fieldname, prefix), MAX_EXPANSION):
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            found.append(sets.term(fieldname, text))
    docs = union(found) & sets.values("doc_type").get(doc_type, EMPTY)
    views = sets.column("views")
    top = heapq.nlargest(limit * 3, docs, key=lambda d: (views[d], -d))
    titles = [stored(searcher, docnum)[1] for docnum in top]
    return list(dict.fromkeys(titles))[:limit]
