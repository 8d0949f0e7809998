"""Document sets read straight from Whoosh posting blocks, cached per index generation.

Matching, counting, filtering and facet counts are set algebra on compressed bitmaps (pyroaring,
done in C) instead of walking Whoosh's matcher tree one posting at a time; only ranking uses
the scores. Every thread reads through its own searcher, but what is read is kept once per
process in a SharedSets for that generation of the index: document numbers are the same in
every searcher of one generation, so a word read in one request thread is ready in all the
others. What is kept is compact (memory, issue 16 item 6): a set of documents is a bitmap
(at most 8 KB per 65,536 documents), a word's frequencies or scores two arrays (document
numbers and values), a column an array of machine integers and a field's lengths one byte per
document; the cache is bounded by the bytes it holds.
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import OrderedDict
from typing import NamedTuple

from pyroaring import BitMap, FrozenBitMap
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

EMPTY = FrozenBitMap()
TERM_CACHE_SIZE = 4096
# The cache is bounded by the bytes it holds, not only by its entries: one common word's set or
# frequencies hold tens of thousands of documents. As Python sets and dicts, 1,000,000 document
# numbers took about 500 MB at 100,000 resources (docs/benchmarks.md, "Memory"); as bitmaps and
# arrays 24 MB hold several millions.
TERM_CACHE_BYTES = 24 * 1024 * 1024


def union(bitmaps) -> FrozenBitMap:
    """The documents in any of bitmaps (each a FrozenBitMap)."""
    return FrozenBitMap.union(EMPTY, *bitmaps)


def intersection(bitmaps) -> FrozenBitMap:
    """The documents in every one of bitmaps (each a FrozenBitMap; the smallest first)."""
    ordered = sorted(bitmaps, key=len)
    return FrozenBitMap.intersection(*ordered) if ordered else EMPTY


class Postings(NamedTuple):
    """A word's documents in ascending order, each with one value (a frequency or a score)."""

    docs: array
    values: array

    @property
    def bitmap(self) -> FrozenBitMap:
        """The documents as a set."""
        return FrozenBitMap(self.docs)

    def __len__(self) -> int:
        return len(self.docs)


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


def _leaf_frequencies(matcher, docs: array, weights: array, offset: int, deleted) -> None:
    # Like _leaf_ids, with each posting's weight (the term's frequency in the document),
    # appended to docs and weights in document order, deleted documents left out.
    if not isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher.id() not in deleted:
                docs.append(matcher.id() + offset)
                weights.append(matcher.weight())
            matcher.next()
        return
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        pairs = zip(matcher._ids, matcher._weights, strict=True)
        if deleted:
            pairs = [(i, w) for i, w in pairs if i not in deleted]
        for docnum, weight in pairs:
            docs.append(docnum + offset)
            weights.append(weight)
        matcher._next_block()


def _segment_frequencies(reader, fieldname: str, text, docs: array, weights: array,
                         offset: int) -> None:
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return
    if isinstance(matcher, FilterMatcher):
        _leaf_frequencies(matcher.child, docs, weights, offset, set(reader.deleted_docs_set))
        return
    _leaf_frequencies(matcher, docs, weights, offset, ())


BYTE_TO_LENGTH = tuple(byte_to_length(b) for b in range(256))


def _segment_lengths(reader, fieldname: str) -> bytes:
    # Whoosh keeps each scorable field's length per document as one byte (a log scale).
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) if perdoc else None
    if column is None:
        return bytes(count)
    return bytes(column)


def _segment_ids(reader, fieldname: str, text, offset: int) -> FrozenBitMap:
    try:
        matcher = reader.postings(fieldname, text)
    except TermNotFound:
        return EMPTY
    if isinstance(matcher, FilterMatcher):
        # Deleted documents: read the raw postings, then drop them as a set.
        found = BitMap(_leaf_ids(matcher.child)) - BitMap(reader.deleted_docs_set)
    else:
        found = BitMap(_leaf_ids(matcher))
    return FrozenBitMap(found.shift(offset) if offset else found)


class SharedSets:
    """The cached sets and columns of one index generation, safe to share between threads.

    Values are computed outside the lock, so two threads may compute the same one at once;
    both get an equal value and one of them is kept. Nothing cached is ever changed.
    """

    def __init__(self, max_bytes: int = TERM_CACHE_BYTES):
        self._lock = threading.Lock()
        self._terms: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._fixed: dict[tuple, object] = {}
        self._bytes = 0
        self._max_bytes = max_bytes

    def cached(self, key: tuple, compute):
        """compute(), remembered under key (least recently used go first)."""
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found[0]
        value = compute()
        size = nbytes(value) + KEY_BYTES
        if size > self._max_bytes // 4:
            return value  # one huge value would push out everything else: not kept
        with self._lock:
            replaced = self._terms.pop(key, None)
            self._bytes -= replaced[1] if replaced is not None else 0
            self._terms[key] = (value, size)
            self._bytes += size
            while self._terms and (len(self._terms) > TERM_CACHE_SIZE
                                   or self._bytes > self._max_bytes):
                _, (_, dropped) = self._terms.popitem(last=False)
                self._bytes -= dropped
        return value

    @property
    def bytes(self) -> int:
        """About how many bytes the least-recently-used part holds."""
        return self._bytes

    def kept(self, key: tuple, compute):
        """compute(), remembered under key for as long as this generation is read."""
        found = self._fixed.get(key)
        if found is None:
            found = self._fixed.setdefault(key, compute())
        return found


# A cache entry's key, its slot in the ordered dict and its (value, size) pair.
KEY_BYTES = 200


def nbytes(value) -> int:
    """About how many bytes value holds: bitmaps, arrays, and tuples or lists of them."""
    if isinstance(value, (FrozenBitMap, BitMap)):
        return sys.getsizeof(value) + 64  # the serialized size, plus the object's own
    if isinstance(value, (array, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, (tuple, list)):
        return sys.getsizeof(value) + sum(nbytes(item) for item in value)
    return sys.getsizeof(value)


class SearcherSets:
    """One thread's searcher and the shared cache of its index generation."""

    def __init__(self, searcher, shared: SharedSets | None = None):
        self.searcher = searcher
        self.shared = shared if shared is not None else SharedSets()

    def cached(self, key: tuple, compute):
        """compute(), remembered under key for this index generation (least recently used go
        first)."""
        return self.shared.cached(key, compute)

    def term(self, fieldname: str, text: str) -> FrozenBitMap:
        """The documents holding text in fieldname."""
        return self.cached(("term", fieldname, text), lambda: self._read_term(fieldname, text))

    def _read_term(self, fieldname: str, text: str) -> FrozenBitMap:
        return union([_segment_ids(reader, fieldname, text, offset)
                      for reader, offset in self._leaves()])

    def frequencies(self, fieldname: str, text: str) -> Postings:
        """How often text occurs in fieldname, for each document holding it."""
        return self.cached(("freq", fieldname, text),
                           lambda: self._read_frequencies(fieldname, text))

    def _read_frequencies(self, fieldname: str, text: str) -> Postings:
        docs, weights = array("I"), array("f")
        for reader, offset in self._leaves():
            _segment_frequencies(reader, fieldname, text, docs, weights, offset)
        return Postings(docs, weights)

    def lengths(self, fieldname: str) -> tuple[bytes, float]:
        """Every document's length of fieldname as Whoosh's one-byte code (BYTE_TO_LENGTH
        turns it into tokens), and the average length over documents."""
        cached = self.shared.kept(("lengths", fieldname), lambda: self._read_lengths(fieldname))
        total = self.searcher.reader().field_length(fieldname)
        return cached, total / max(1, self.searcher.reader().doc_count_all())

    def _read_lengths(self, fieldname: str) -> bytes:
        return b"".join(_segment_lengths(reader, fieldname) for reader, _ in self._leaves())

    def _leaves(self):
        for leaf, offset in self.searcher.leaf_searchers():
            yield leaf.reader(), offset

    def values(self, fieldname: str) -> dict[str, FrozenBitMap]:
        """Every value of a keyword field with its documents (facets, filters)."""
        return self.shared.kept(("values", fieldname), lambda: self._read_values(fieldname))

    def _read_values(self, fieldname: str) -> dict[str, FrozenBitMap]:
        reader = self.searcher.reader()
        found = {}
        if fieldname in reader.indexed_field_names():
            for raw in reader.lexicon(fieldname):
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                found[text] = self.term(fieldname, text)
        return found

    def column(self, fieldname: str) -> array:
        """A sortable column's value for every document number."""
        return self.shared.kept(
            ("column", fieldname),
            lambda: array("Q", self.searcher.reader().column_reader(fieldname)),
        )

    def tiebreak(self) -> array:
        """For each document number, a sort key: shorter titles first, then more views."""
        return self.shared.kept(("tiebreak",), self._read_tiebreak)

    def _read_tiebreak(self) -> array:
        lengths, views = self.column("title_length"), self.column("views")
        ceiling = 1 << 40
        return array("q", (
            length * ceiling - min(count, ceiling - 1)
            for length, count in zip(lengths, views, strict=True)
        ))


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
