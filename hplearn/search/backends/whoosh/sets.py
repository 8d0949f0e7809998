"""Document sets read straight from Whoosh posting blocks, cached per index generation.

Matching, counting, filtering and facet counts are set algebra (done in C by Python's sets)
instead of walking Whoosh's matcher tree one posting at a time; only ranking uses the scorer.
Every thread reads through its own searcher, but what is read is kept once per process in a
SharedSets for that generation of the index: document numbers are the same in every searcher
of one generation, so a word read in one request thread is ready in all the others.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

EMPTY: frozenset[int] = frozenset()
TERM_CACHE_SIZE = 4096
# The cache is bounded by what it holds, not only by its entries: one common word's set or
# frequencies hold tens of thousands of documents, and 4,096 of them grew a worker past 900 MB
# at 100,000 resources (docs/benchmarks.md, "Memory"). 1,000,000 document numbers and scores
# take about 100 MB at most.
TERM_CACHE_ITEMS = 1_000_000


def _leaf_ids(matcher) -> list[int]:
    # Whole posting blocks at a time; any other matcher one id at a time.
    if isinstance(matcher, W3LeafMatcher):
        ids: list[int] = []
        while matcher.is_active():
            matcher._read_ids()
            ids.extend(matcher._ids)
            matcher._next_block()
        return ids
    return list(matcher.all_ids())


def _leaf_frequencies(matcher) -> dict[int, float]:
    # Like _leaf_ids, with each posting's weight: the term's frequency in the document.
    found: dict[int, float] = {}
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            found.update(zip(matcher._ids, matcher._weights, strict=True))
            matcher._next_block()
        return found
    while matcher.is_active():
        found[matcher.id()] = matcher.weight()
        matcher.next()
    return found


def _segment_frequencies(reader, fieldname: str, text) -> dict[int, float]:
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return {}
    if isinstance(matcher, FilterMatcher):
        found = _leaf_frequencies(matcher.child)
        for docnum in reader.deleted_docs_set:
            found.pop(docnum, None)
        return found
    return _leaf_frequencies(matcher)


_BYTE_TO_LENGTH = [byte_to_length(b) for b in range(256)]


def _segment_lengths(reader, fieldname: str) -> list[int]:
    # Whoosh keeps each scorable field's length per document as one byte (a log scale).
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc else None
    if column is None:
        return [0] * count
    return [_BYTE_TO_LENGTH[b] for b in column]


def _segment_ids(reader, fieldname: str, text) -> set[int]:
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return set()
    if isinstance(matcher, FilterMatcher):
        # Deleted documents: read the raw postings, then drop them as a set.
        return set(_leaf_ids(matcher.child)) - set(reader.deleted_docs_set)
    return set(_leaf_ids(matcher))


class SharedSets:
    """The cached sets and columns of one index generation, safe to share between threads.

    Values are computed outside the lock, so two threads may compute the same one at once;
    both get an equal value and one of them is kept. Nothing cached is ever changed.
    """

    def __init__(self, max_items: int = TERM_CACHE_ITEMS):
        self._lock = threading.Lock()
        self._terms: OrderedDict[tuple, object] = OrderedDict()
        self._fixed: dict[tuple, object] = {}
        self._items = 0
        self._max_items = max_items

    def cached(self, key: tuple, compute):
        """compute(), remembered under key (least recently used go first)."""
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        found = compute()
        size = _size(found)
        if size > self._max_items // 4:
            return found  # one huge set would push out everything else: not kept
        with self._lock:
            replaced = self._terms.pop(key, None)
            self._items -= _size(replaced) if replaced is not None else 0
            self._terms[key] = found
            self._items += size
            while self._terms and (len(self._terms) > TERM_CACHE_SIZE
                                   or self._items > self._max_items):
                _, dropped = self._terms.popitem(last=False)
                self._items -= _size(dropped)
        return found

    @property
    def items(self) -> int:
        """How many document numbers and scores the least-recently-used part holds."""
        return self._items

    def kept(self, key: tuple, compute):
        """compute(), remembered under key for as long as this generation is read."""
        found = self._fixed.get(key)
        if found is None:
            found = self._fixed.setdefault(key, compute())
        return found


def _size(value) -> int:
    try:
        return len(value) + 1
    except TypeError:
        return 1


class SearcherSets:
    """One thread's searcher and the shared cache of its index generation."""

    def __init__(self, searcher, shared: SharedSets | None = None):
        self.searcher = searcher
        self.shared = shared if shared is not None else SharedSets()

    def cached(self, key: tuple, compute):
        """compute(), remembered under key for this index generation (least recently used go
        first)."""
        return self.shared.cached(key, compute)

    def term(self, fieldname: str, text: str) -> frozenset[int]:
        """The documents holding text in fieldname."""
        return self.cached(("term", fieldname, text), lambda: self._read_term(fieldname, text))

    def _read_term(self, fieldname: str, text: str) -> frozenset[int]:
        docs: set[int] = set()
        for reader, offset in self._leaves():
            ids = _segment_ids(reader, fieldname, text)
            docs |= {i + offset for i in ids} if offset else ids
        return frozenset(docs)

    def frequencies(self, fieldname: str, text: str) -> dict[int, float]:
        """How often text occurs in fieldname, for each document holding it."""
        return self.cached(("freq", fieldname, text),
                           lambda: self._read_frequencies(fieldname, text))

    def _read_frequencies(self, fieldname: str, text: str) -> dict[int, float]:
        found: dict[int, float] = {}
        for reader, offset in self._leaves():
            for docnum, frequency in _segment_frequencies(reader, fieldname, text).items():
                found[docnum + offset] = frequency
        return found

    def lengths(self, fieldname: str) -> tuple[list[int], float]:
        """Every document's length of fieldname in tokens, and the average over documents."""
        cached = self.shared.kept(("lengths", fieldname), lambda: self._read_lengths(fieldname))
        total = self.searcher.reader().field_length(fieldname)
        return cached, total / max(1, self.searcher.reader().doc_count_all())

    def _read_lengths(self, fieldname: str) -> list[int]:
        lengths: list[int] = []
        for reader, _ in self._leaves():
            lengths.extend(_segment_lengths(reader, fieldname))
        return lengths

    def _leaves(self):
        for leaf, offset in self.searcher.leaf_searchers():
            yield leaf.reader(), offset

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """Every value of a keyword field with its documents (facets, filters)."""
        return self.shared.kept(("values", fieldname), lambda: self._read_values(fieldname))

    def _read_values(self, fieldname: str) -> dict[str, frozenset[int]]:
        reader = self.searcher.reader()
        found = {}
        if fieldname in reader.indexed_field_names():
            for raw in reader.lexicon(fieldname):
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                found[text] = self.term(fieldname, text)
        return found

    def column(self, fieldname: str) -> list[int]:
        """A sortable column's value for every document number."""
        return self.shared.kept(
            ("column", fieldname), lambda: list(self.searcher.reader().column_reader(fieldname))
        )

    def tiebreak(self) -> list[int]:
        """For each document number, a sort key: shorter titles first, then more views."""
        return self.shared.kept(("tiebreak",), self._read_tiebreak)

    def _read_tiebreak(self) -> list[int]:
        lengths, views = self.column("title_length"), self.column("views")
        ceiling = 1 << 40
        return [
            length * ceiling - min(count, ceiling - 1)
            for length, count in zip(lengths, views, strict=True)
        ]


def attach_sets(searcher, shared: SharedSets) -> None:
    """Make searcher read through the shared cache of its index generation."""
    searcher._hplearn_sets = SearcherSets(searcher, shared)


def sets_of(searcher) -> SearcherSets:
    """The SearcherSets attached to searcher (made, with a cache of its own, on first use)."""
    cached = getattr(searcher, "_hplearn_sets", None)
    if cached is None:
        cached = SearcherSets(searcher)
        searcher._hplearn_sets = cached
    return cached
