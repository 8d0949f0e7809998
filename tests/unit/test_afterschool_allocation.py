"""The allocation solver and the "<5" suppression, without a database."""

from __future__ import annotations

import random

from hplearn.afterschool.allocation import Applicant, Offer, allocate_greedy, allocate_optimal
from hplearn.afterschool.supervision import protect

MONDAY = ((1, 960, 1080),)
TUESDAY = ((2, 960, 1080),)


def _school(seed=3, students=300, programmes=12):
    generator = random.Random(seed)
    offers = [Offer(id=i, seats=generator.randint(5, 20), grades=frozenset(range(1, 7)),
                    slots=((generator.randint(1, 5), 960, 1080),)) for i in range(1, programmes + 1)]
    applicants = [Applicant(id=i, grade=generator.randint(1, 6),
                            choices=tuple(generator.sample(range(1, programmes + 1), 3)),
                            priority=generator.random() < 0.1) for i in range(1, students + 1)]
    return applicants, offers


def _check_constraints(result, applicants, offers):
    by_id = {o.id: o for o in offers}
    taken = {}
    for _student, programmes in result.enrolled.items():
        for p in programmes:
            taken[p] = taken.get(p, 0) + 1
        slots = [s for p in programmes for s in by_id[p].slots]
        assert len(slots) == len(set(slots)), "overlapping programmes for one student"
    assert all(taken[p] <= by_id[p].seats for p in taken)


def test_optimal_meets_more_first_choices_than_greedy_and_keeps_every_rule():
    applicants, offers = _school()
    optimal, greedy = allocate_optimal(applicants, offers, 11), allocate_greedy(applicants, offers, 11)
    _check_constraints(optimal, applicants, offers)
    _check_constraints(greedy, applicants, offers)
    assert optimal.first_choice_share(applicants) > greedy.first_choice_share(applicants)
    assert len(optimal.unplaced) <= len(greedy.unplaced)


def test_same_seed_same_result_other_seed_other_lottery():
    applicants, offers = _school()
    first, again = allocate_optimal(applicants, offers, 5), allocate_optimal(applicants, offers, 5)
    assert first.enrolled == again.enrolled and first.waitlists == again.waitlists
    assert allocate_optimal(applicants, offers, 6).order != first.order


def test_grade_and_overlap_and_priority():
    offers = [Offer(1, 1, frozenset({3}), MONDAY), Offer(2, 5, frozenset({3, 4}), MONDAY),
              Offer(3, 5, frozenset({4}), TUESDAY)]
    applicants = [Applicant(1, 3, (1, 2)), Applicant(2, 3, (1,), priority=True),
                  Applicant(3, 4, (1, 3))]
    result = allocate_optimal(applicants, offers, 1)
    assert result.enrolled[2] == [1]  # the priority student gets the only seat
    assert result.enrolled[1] == [2]  # Monday clash: one of the two, the free one
    assert result.enrolled[3] == [3]  # grade 4 may not take programme 1
    assert 1 not in result.waitlists  # its only candidate now has a clashing seat


def test_first_choices_beat_a_greedy_lottery_order():
    # Student 1 draws first in the lottery; greedy gives them their 2nd choice's only seat,
    # which was student 2's first. The solver gives both their first choice.
    offers = [Offer(1, 1, frozenset(), MONDAY), Offer(2, 1, frozenset(), TUESDAY)]
    applicants = [Applicant(1, 1, (1, 2)), Applicant(2, 1, (2,))]
    seed = next(s for s in range(100) if allocate_greedy(applicants, offers, s).order[0] == 1)
    assert allocate_greedy(applicants, offers, seed).enrolled == {1: [1, 2]}
    assert allocate_optimal(applicants, offers, seed).enrolled == {1: [1], 2: [2]}


def _sum_check(matrix):
    return all(sum(row[:-1]) == row[-1] for row in matrix)


def test_protect_hides_small_counts_and_their_complements():
    matrix = [[3, 10, 13], [8, 9, 17], [11, 19, 30]]
    assert _sum_check(matrix)
    hidden = protect(matrix)
    assert hidden[0][0]
    # No row or column with exactly one hidden cell: nothing can be got back by subtraction.
    lines = list(hidden) + [list(col) for col in zip(*hidden, strict=True)]
    assert all(sum(line) != 1 for line in lines)


def test_protect_leaves_structural_gaps_alone():
    matrix = [[6, None, 6], [None, 7, 7], [6, 7, 13]]
    assert protect(matrix) == [[False] * 3] * 3
