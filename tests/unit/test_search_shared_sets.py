"""The search's shared cache of document sets stays within its bound (memory, issue 16 item 6)."""

from hplearn.search.backends.whoosh.sets import SharedSets


def test_least_recently_used_sets_go_when_the_items_exceed_the_bound():
    shared = SharedSets(max_items=100)
    for word in "abcdef":
        shared.cached(("term", "title", word), lambda: frozenset(range(20)))
    assert shared.items <= 100
    # the oldest went first; the newest is still there without being computed again
    assert shared.cached(("term", "title", "f"), lambda: None) == frozenset(range(20))
    assert shared.cached(("term", "title", "a"), lambda: "recomputed") == "recomputed"


def test_one_huge_set_is_answered_but_not_kept():
    shared = SharedSets(max_items=100)
    shared.cached(("term", "title", "small"), lambda: frozenset(range(10)))
    huge = shared.cached(("term", "title", "huge"), lambda: frozenset(range(1000)))
    assert len(huge) == 1000
    assert shared.items == 11
    assert shared.cached(("term", "title", "huge"), lambda: "again") == "again"

