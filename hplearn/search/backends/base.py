"""The contract every search backend fulfils."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hplearn.search.analysis import AnalyzedQuery
from hplearn.search.documents import IndexedDocument

SORTS = ("relevance", "newest", "popular")
TITLE_BOOST, META_BOOST, BODY_BOOST, CHARS_BOOST, PINYIN_BOOST = 4.0, 2.0, 1.0, 0.6, 0.3


class IndexUnavailable(Exception):
    """The index is missing or broken; its message says what to do."""


@dataclass(frozen=True)
class BackendQuery:
    """What to look for, how to filter and sort it, and which slice to return."""

    query: AnalyzedQuery
    doc_type: str
    filters: dict[str, str | tuple[str, ...]] = field(default_factory=dict)  # a tuple: any of them
    facets: tuple[str, ...] = ()
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    match_all: bool = True
    exclude_ids: tuple[int, ...] = ()
    # False: the ids alone will do (similar()); a backend may then skip counting every match
    # and report as total only how many ids it returns.
    want_total: bool = True


@dataclass
class BackendResults:
    """Object ids in rank order, the number of matches and facet counts."""

    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


Progress = Callable[[int], None]


class BulkWriter:
    """Writes a long run of batches (an import); this default applies each batch at once."""

    def __init__(self, backend: SearchBackend):
        self.backend = backend

    def add(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write one batch (the changes of one database commit)."""
        self.backend.apply(upserts, deletes)

    def commit(self) -> None:
        """Make everything added searchable."""

    def cancel(self) -> None:
        """Give up what was added and not yet committed."""


class SearchBackend(ABC):
    """Index, remove, query, suggest and rebuild."""

    name = "base"

    @abstractmethod
    def apply(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write documents and remove keys, as one batch."""

    def apply_batches(self, batches: Iterable[tuple[list[IndexedDocument], list[str]]]) -> None:
        """Write (upserts, deletes) batches as they come (default: one apply each)."""
        for upserts, deletes in batches:
            self.apply(upserts, deletes)

    def bulk_writer(self, expected: int) -> BulkWriter:
        """A writer for about `expected` documents coming in many batches (an import)."""
        return BulkWriter(self)

    @abstractmethod
    def indexed_ids(self, doc_type: str) -> set[int]:
        """The object ids of every document of doc_type in the index (to find what it lacks)."""

    @abstractmethod
    def search(self, request: BackendQuery) -> BackendResults:
        """Run a query; raise IndexUnavailable when the index cannot be read."""

    def cache_token(self, doc_type: str = "resource") -> str:
        """A token that changes whenever doc_type's index changes outside a database commit
        (search results are cached per catalog generation and this token); raise
        IndexUnavailable."""
        return ""

    def count(self, request: BackendQuery) -> int:
        """How many documents match (backends may do this without ranking)."""
        return self.search(request).total

    @abstractmethod
    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles starting with prefix (characters, pinyin or initials), most viewed first."""

    @abstractmethod
    def rebuild(
        self, batches: Iterable[list[IndexedDocument]], progress: Progress, expected: int = 0
    ) -> int:
        """Replace the whole index with these documents (about `expected` of them); return
        how many were written."""

    def changed_during_rebuild(self) -> list[str]:
        """Keys changed while the last rebuild ran that its index may lack (read once)."""
        return []

    @abstractmethod
    def ready(self) -> bool:
        """Whether the index exists and can be read."""

    def create_if_missing(self) -> bool:
        """Create an empty index when there is none; return whether one was created."""
        return False


def facet_counts(counter: dict[str, int]) -> list[tuple[str, int]]:
    """Facet values, most frequent first, then by value."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))
