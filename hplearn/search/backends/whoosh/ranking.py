"""Matching, facet counts and BM25F ranking over the cached document sets of one searcher.

Matching, counting, filtering and facet counts are set algebra on SearcherSets; ranking sums
each query word's BM25F scores (cached per index generation) and keeps the best with a heap.
"""

from __future__ import annotations

import heapq
import math
from array import array

import numpy

from hplearn.search.analysis import compact
from hplearn.search.backends.base import (
    BODY_BOOST,
    CHARS_BOOST,
    META_BOOST,
    PINYIN_BOOST,
    TITLE_BOOST,
    BackendQuery,
    facet_counts,
)
from hplearn.search.backends.whoosh.schema import stored
from hplearn.search.backends.whoosh.sets import (
    BYTE_TO_LENGTH,
    EMPTY,
    FrozenBitMap,
    Postings,
    SearcherSets,
    intersection,
    union,
)

RERANK_WINDOW = 50
MAX_RANKED_TERMS = 6
PHRASE_BONUS = 1.5
# BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework", 2009): per field a
# weight and a length normalization b; one saturation k1 over the weighted frequencies.
BM25F_K1 = 1.2
WORD_FIELDS = (("title", TITLE_BOOST, 0.5), ("meta", META_BOOST, 0.3), ("body", BODY_BOOST, 0.75))


def _field_tiers(sets: SearcherSets, term) -> list[tuple[float, FrozenBitMap]]:
    # Where a word can match, best place first: title, structured fields, body, n-grams, pinyin.
    return sets.cached(("tiers", term), lambda: _read_tiers(sets, term))


def _read_tiers(sets: SearcherSets, term) -> list[tuple[float, FrozenBitMap]]:
    tiers = []
    for fieldname, boost in (("title", TITLE_BOOST), ("meta", META_BOOST), ("body", BODY_BOOST)):
        # The frequencies BM25F reads anyway hold the same documents: decode the postings once.
        docs = union(sets.frequencies(fieldname, w).bitmap for w in term.alternatives)
        tiers.append((boost, docs))
    if term.char_grams:
        tiers.append((CHARS_BOOST, intersection(sets.term("chars", g) for g in term.char_grams)))
    if term.pinyin:
        tiers.append((PINYIN_BOOST, sets.term("pinyin", term.pinyin)))
    return tiers


def _term_docs(sets: SearcherSets, term) -> FrozenBitMap:
    return sets.cached(
        ("docs", term), lambda: union(docs for _, docs in _field_tiers(sets, term))
    )


def matching_docs(sets: SearcherSets, request: BackendQuery) -> FrozenBitMap:
    """The document numbers that match the query words and the filters."""
    parts = [_term_docs(sets, term) for term in request.query.terms]
    if not parts:
        return EMPTY
    constraints = [sets.values("doc_type").get(request.doc_type, EMPTY)]
    for name, value in sorted(request.filters.items()):
        values = sets.values(f"f_{name}")
        if isinstance(value, tuple):
            constraints.append(union(values.get(v, EMPTY) for v in value))
        else:
            constraints.append(values.get(value, EMPTY))
    if request.match_all:
        matched = intersection(parts + constraints)
    else:
        matched = intersection([union(parts), *constraints])
    for object_id in request.exclude_ids:
        matched -= sets.term("key", f"{request.doc_type}:{object_id}")
    return matched


def facet_sets(sets: SearcherSets, matched: FrozenBitMap, names) -> dict[str, list[tuple[str, int]]]:
    """Counts of each facet value among the matched documents."""
    facets = {}
    for name in names:
        counts = {}
        for value, docs in sets.values(f"f_{name}").items():
            count = docs.intersection_cardinality(matched)
            if count:
                counts[value] = count
        facets[name] = facet_counts(counts)
    return facets


def _term_scores(sets: SearcherSets, term) -> Postings:
    # The word's BM25F score in every document it matches, cached per searcher.
    return sets.cached(("bm25f", term), lambda: bm25f_scores(sets, term))


def bm25f_scores(sets: SearcherSets, term) -> Postings:
    """Each matching document's BM25F score for one query word.

    The word's frequency in title, structured fields and body (any of its synonyms counts) is
    divided by that field's length normalization 1 - b + b * length / average length, weighted
    (title 4 > structured fields 2 > body 1) and summed into one pseudo-frequency f; the score
    is idf * f * (k1 + 1) / (k1 + f), with idf = log(1 + (N - df + 0.5) / (df + 0.5)).
    Documents that hold the word only as character n-grams or as pinyin get the small fixed
    frequency of that field (0.6, 0.3), so exact Chinese matches rank above them.
    """
    pseudo: dict[int, float] = {}
    for fieldname, weight, b in WORD_FIELDS:
        codes, average = sets.lengths(fieldname)
        norms = _length_norms(b, average or 1.0)
        for word in term.alternatives:
            postings = sets.frequencies(fieldname, word)
            for docnum, frequency in zip(postings.docs, postings.values, strict=True):
                pseudo[docnum] = pseudo.get(docnum, 0.0) + weight * frequency / norms[
                    codes[docnum]]
    for boost, docs in _fallback_tiers(sets, term):
        for docnum in docs.difference(FrozenBitMap(pseudo)):
            pseudo[docnum] = boost
    total = max(1, sets.searcher.reader().doc_count_all())
    found = len(pseudo)
    idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
    scale = idf * (BM25F_K1 + 1)
    docs = sorted(pseudo)
    return Postings(array("I", docs),
                    array("d", [scale * pseudo[d] / (BM25F_K1 + pseudo[d]) for d in docs]))


def _length_norms(b: float, average: float) -> list[float]:
    # BM25F's length normalization for each of Whoosh's 256 one-byte length codes.
    return [1.0 - b + b * (length or average) / average for length in BYTE_TO_LENGTH]


def _fallback_tiers(sets: SearcherSets, term) -> list[tuple[float, FrozenBitMap]]:
    return [(boost, docs) for boost, docs in _field_tiers(sets, term)
            if boost in (CHARS_BOOST, PINYIN_BOOST)]


def rank_by_relevance(sets: SearcherSets, request: BackendQuery, matched, window: int):
    """The best `window` matches with their BM25F scores, best first.

    A document's score is the sum of its BM25F scores for the query words (the
    MAX_RANKED_TERMS rarest). Ties go to the shorter title, then to the more viewed.
    """
    if not matched:
        return []
    ranked_terms = sorted(request.query.terms, key=lambda t: len(_term_docs(sets, t)))
    # Vectorized (numpy): a common word matches tens of thousands of documents, and a Python
    # loop over them was most of a search's time (issue 16 item 3). The scores are summed in
    # the same order as before, so they are the same floats.
    docs = numpy.frombuffer(matched.to_array(), dtype=numpy.uint32)
    scores = numpy.zeros(len(docs))
    for term in ranked_terms[:MAX_RANKED_TERMS]:
        scores += _scores_of(_term_scores(sets, term), docs)
    if len(docs) > window:
        # Every document scoring at least the window's last one, ties with it included:
        # they compete for its place by the tiebreak.
        floor = numpy.partition(scores, len(docs) - window)[len(docs) - window]
        keep = scores >= floor
        docs, scores = docs[keep], scores[keep]
    order = numpy.frombuffer(sets.tiebreak(), dtype=numpy.int64)[docs]
    ranked = numpy.lexsort((docs, order, -scores))[:window]
    return [(int(docs[i]), float(scores[i])) for i in ranked]


def _scores_of(scores: Postings, docs):
    # One word's score in each of docs (sorted document numbers), 0 where it does not occur.
    known = numpy.frombuffer(scores.docs, dtype=numpy.uint32)
    if not len(known):
        return numpy.zeros(len(docs))
    values = numpy.frombuffer(scores.values, dtype=numpy.float64)
    at = numpy.minimum(numpy.searchsorted(known, docs), len(known) - 1)
    return numpy.where(known[at] == docs, values[at], 0.0)


def relevance_ids(searcher, sets: SearcherSets, matched, request: BackendQuery, end: int):
    """The object ids of ranks offset..end by relevance, with the title phrase bonus."""
    # The phrase bonus reorders only the first RERANK_WINDOW, so pages never overlap.
    top = rank_by_relevance(sets, request, matched, max(end, RERANK_WINDOW))
    phrase = compact(request.query.normalized)
    head, object_ids = [], {}
    for rank, (docnum, score) in enumerate(top[:RERANK_WINDOW]):
        object_ids[docnum], _, compact_title = stored(searcher, docnum)
        if len(phrase) > 1 and phrase in compact_title:
            score *= PHRASE_BONUS
        head.append((-score, rank, docnum))
    ordered = [docnum for _, _, docnum in sorted(head)]
    ordered += [docnum for docnum, _ in top[RERANK_WINDOW:]]
    return [
        object_ids.get(docnum) or stored(searcher, docnum)[0]
        for docnum in ordered[request.offset:end]
    ]


def column_ids(searcher, sets: SearcherSets, matched, request: BackendQuery, end: int):
    """The object ids of ranks offset..end by newest or most viewed."""
    column = sets.column("published" if request.sort == "newest" else "views")
    top = heapq.nlargest(end, matched, key=lambda d: (column[d], d))
    return [stored(searcher, docnum)[0] for docnum in top[request.offset:]]
