"""Document sets read straight from Whoosh posting blocks, cached per searcher.

Matching, counting, filtering and facet counts are set algebra (done in C by Python's sets)
instead of walking Whoosh's matcher tree one posting at a time; only ranking uses the scorer.
"""

from __future__ import annotations

from collections import OrderedDict

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

EMPTY: frozenset[int] = frozenset()
TERM_CACHE_SIZE = 4096


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


class SearcherSets:
    """Cached document sets and sort columns of one searcher generation."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._terms: OrderedDict[tuple, object] = OrderedDict()
        self._values: dict[str, dict[str, frozenset[int]]] = {}
        self._columns: dict[str, list[int]] = {}
        self._tiebreak: list[int] | None = None

    def cached(self, key: tuple, compute):
        """compute(), remembered under key for this searcher (least recently used go first)."""
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        found = compute()
        self._terms[key] = found
        if len(self._terms) > TERM_CACHE_SIZE:
            self._terms.popitem(last=False)
        return found

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
        key = f"_len_{fieldname}"
        cached = self._columns.get(key)
        if cached is None:
            cached = []
            for reader, _ in self._leaves():
                cached.extend(_segment_lengths(reader, fieldname))
            self._columns[key] = cached
        total = self.searcher.reader().field_length(fieldname)
        return cached, total / max(1, self.searcher.reader().doc_count_all())

    def _leaves(self):
        for leaf, offset in self.searcher.leaf_searchers():
            yield leaf.reader(), offset

    def values(self, fieldname: str) -> dict[str, frozenset[int]]:
        """Every value of a keyword field with its documents (facets, filters)."""
        cached = self._values.get(fieldname)
        if cached is None:
            reader = self.searcher.reader()
            cached = {}
            if fieldname in reader.indexed_field_names():
                for raw in reader.lexicon(fieldname):
                    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    cached[text] = self.term(fieldname, text)
            self._values[fieldname] = cached
        return cached

    def column(self, fieldname: str) -> list[int]:
        """A sortable column's value for every document number."""
        cached = self._columns.get(fieldname)
        if cached is None:
            cached = list(self.searcher.reader().column_reader(fieldname))
            self._columns[fieldname] = cached
        return cached

    def tiebreak(self) -> list[int]:
        """For each document number, a sort key: shorter titles first, then more views."""
        if self._tiebreak is None:
            lengths, views = self.column("title_length"), self.column("views")
            ceiling = 1 << 40
            self._tiebreak = [
                length * ceiling - min(count, ceiling - 1)
                for length, count in zip(lengths, views, strict=True)
            ]
        return self._tiebreak


def sets_of(searcher) -> SearcherSets:
    """The SearcherSets attached to searcher (made on first use)."""
    cached = getattr(searcher, "_hplearn_sets", None)
    if cached is None:
        cached = SearcherSets(searcher)
        searcher._hplearn_sets = cached
    return cached
