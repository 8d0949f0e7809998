"""The search's shared cache and its compact sets (memory, issue 16 item 6)."""

import random
from array import array

import numpy
from pyroaring import FrozenBitMap

from hplearn.search.backends.whoosh import ranking
from hplearn.search.backends.whoosh.sets import (
    EMPTY,
    Postings,
    SharedSets,
    intersection,
    nbytes,
    union,
)


def _bitmap(size: int) -> FrozenBitMap:
    return FrozenBitMap(range(0, 2 * size, 2))


def test_least_recently_used_sets_go_when_the_bytes_exceed_the_bound():
    one = nbytes(_bitmap(20)) + 200
    shared = SharedSets(max_bytes=5 * one)
    for word in "abcdef":
        shared.cached(("term", "title", word), lambda: _bitmap(20))
    assert shared.bytes <= 5 * one
    # the oldest went first; the newest is still there without being computed again
    assert shared.cached(("term", "title", "f"), lambda: None) == _bitmap(20)
    assert shared.cached(("term", "title", "a"), lambda: "recomputed") == "recomputed"


def test_one_huge_value_is_answered_but_not_kept():
    shared = SharedSets(max_bytes=4000)
    shared.cached(("term", "title", "small"), lambda: _bitmap(10))
    kept = shared.bytes
    huge = shared.cached(("term", "title", "huge"), lambda: _bitmap(1000))
    assert len(huge) == 1000
    assert shared.bytes == kept
    assert shared.cached(("term", "title", "huge"), lambda: "again") == "again"


def _random_sets(rng: random.Random, count: int) -> list[set[int]]:
    universe = rng.choice([50, 5_000, 200_000])
    return [set(rng.sample(range(universe), rng.randint(0, min(universe, 3_000))))
            for _ in range(count)]


def test_bitmap_union_and_intersection_equal_python_sets_on_random_data():
    rng = random.Random(16)
    for _ in range(200):
        sets = _random_sets(rng, rng.randint(1, 5))
        bitmaps = [FrozenBitMap(s) for s in sets]
        assert set(union(bitmaps)) == set().union(*sets)
        assert set(intersection(bitmaps)) == set.intersection(*sets)
        assert list(union(bitmaps)) == sorted(set().union(*sets))
        other = bitmaps[0]
        for bitmap, python in zip(bitmaps, sets, strict=True):
            assert bitmap.intersection_cardinality(other) == len(python & sets[0])
            assert set(bitmap - other) == python - sets[0]
    assert union([]) == EMPTY and intersection([]) == EMPTY


def test_postings_answer_like_the_dict_they_replace():
    rng = random.Random(6)
    for _ in range(50):
        python = {d: rng.random() for d in rng.sample(range(100_000), rng.randint(0, 2_000))}
        docs = sorted(python)
        postings = Postings(array("I", docs), array("d", [python[d] for d in docs]))
        assert set(postings.bitmap) == set(python) and len(postings) == len(python)
        asked = sorted(set(rng.sample(range(100_000), 300) + docs[:50]))
        found = ranking._scores_of(postings, numpy.array(asked, dtype=numpy.uint32))
        assert list(found) == [python.get(docnum, 0.0) for docnum in asked]



class _FakeSets:
    # What rank_by_relevance reads from SearcherSets: each word's documents and scores, and
    # the tiebreak column.
    def __init__(self, scores: dict, tiebreak: array):
        self.scores, self._tiebreak = scores, tiebreak

    def cached(self, key, compute):
        kind, term = key
        docs = sorted(self.scores[term])
        postings = Postings(array("I", docs), array("d", [self.scores[term][d] for d in docs]))
        return postings.bitmap if kind == "docs" else postings

    def tiebreak(self) -> array:
        return self._tiebreak


def _reference_ranking(scores: dict, terms, matched, tiebreak, window):
    # The ranking as it was written in Python before numpy: summed scores, the best `window`,
    # ties with the last one decided by the tiebreak, then the document number.
    ranked_terms = sorted(terms, key=lambda t: len(scores[t]))[:ranking.MAX_RANKED_TERMS]
    total = {d: sum(scores[t].get(d, 0.0) for t in ranked_terms) for d in matched}
    ordered = sorted(matched, key=lambda d: (-total[d], tiebreak[d], d))
    return [(d, total[d]) for d in ordered[:window]]


def test_numpy_ranking_equals_the_python_ranking_it_replaced():
    rng = random.Random(16)
    size = 5_000
    for _ in range(40):
        terms = [f"w{n}" for n in range(rng.randint(1, 8))]
        # Few distinct values, so many documents tie and the tiebreak decides.
        scores = {t: {d: rng.choice([0.5, 1.0, 1.25, rng.random()])
                      for d in rng.sample(range(size), rng.randint(1, 1_500))} for t in terms}
        tiebreak = array("q", (rng.randint(0, 30) for _ in range(size)))
        matched = FrozenBitMap(set().union(*scores.values()))
        if rng.random() < 0.5:  # a filter keeps only part of the matches
            matched &= FrozenBitMap(rng.sample(range(size), size // 2))
        request = type("Request", (), {"query": type("Query", (), {"terms": terms})})()
        window = rng.choice([1, 20, 50, 200])
        found = ranking.rank_by_relevance(_FakeSets(scores, tiebreak), request, matched, window)
        assert found == _reference_ranking(scores, terms, matched, tiebreak, window)
    empty = ranking.rank_by_relevance(_FakeSets({}, array("q")), None, FrozenBitMap(), 20)
    assert empty == []
