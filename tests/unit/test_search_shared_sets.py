"""The search's shared cache and its compact sets (memory, issue 16 item 6)."""

import random
from array import array

from pyroaring import FrozenBitMap

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
        assert postings.as_dict() == python
        assert set(postings.bitmap) == set(python) and len(postings) == len(python)
        for docnum in rng.sample(range(100_000), 300) + docs[:50]:
            assert postings.get(docnum, -1.0) == python.get(docnum, -1.0)
