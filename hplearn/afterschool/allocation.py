"""Placing students in programmes from their ranked choices: the optimal solver and greedy.

Pure functions over plain data (nothing here reads the app or the database), so the benchmark
and anyone re-running a recorded allocation get exactly the same answer from the same input.

The optimum is found with scipy's mixed-integer solver (HiGHS), in lexicographic stages:
  1. as many students marked as needing 延时托管 placed (in at least one programme) as possible;
  2. then as many first choices met as possible;
  3. then as many students placed at all as possible (fewest unplaced);
  4. then, among the allocations equal on all of that, second choices before third ones, and
     seats to students earlier in the seeded lottery order (priority students come first in it).
Each stage keeps the optimum of the ones before as a constraint. A min-cost flow (networkx) or
an assignment (linear_sum_assignment) cannot express "not two programmes whose times overlap"
for a student who may join several programmes, which a mixed-integer model states directly.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

RANK_WEIGHTS = {1: 3, 2: 2, 3: 1}
MAX_CHOICES = 3


@dataclass(frozen=True)
class Offer:
    """A programme as the allocation sees it: seats still free, grades taken, weekly slots.

    slots: (weekday 1-5, start minute, end minute) tuples.
    """

    id: int
    seats: int
    grades: frozenset[int]
    slots: tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class Applicant:
    """A student who signed up: choices are programme ids, best first (up to three).

    busy: slots the student is already enrolled in (placed by hand before the allocation).
    """

    id: int
    grade: int | None
    choices: tuple[int, ...]
    priority: bool = False
    busy: tuple[tuple[int, int, int], ...] = ()


@dataclass
class Allocation:
    """The outcome: who is enrolled where, who waits where (in order), who is unplaced."""

    enrolled: dict[int, list[int]] = field(default_factory=dict)  # student -> programme ids
    # programme -> [(student, rank)], in waitlist order
    waitlists: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    unplaced: list[int] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # the lottery order used
    solver: str = ""
    seconds: float = 0.0

    @property
    def enrolment_count(self) -> int:
        """Seats given."""
        return sum(len(programmes) for programmes in self.enrolled.values())

    @property
    def waitlist_count(self) -> int:
        """Places on waitlists."""
        return sum(len(entries) for entries in self.waitlists.values())

    def first_choice_share(self, applicants: list[Applicant]) -> float:
        """The share of applicants whose first choice was met."""
        wanting = [a for a in applicants if a.choices]
        if not wanting:
            return 0.0
        met = sum(1 for a in wanting if a.choices[0] in self.enrolled.get(a.id, ()))
        return round(met / len(wanting), 4)


def slots_overlap(first, second) -> bool:
    """Whether two lists of (weekday, start, end) slots share any minute."""
    return any(
        day_a == day_b and start_a < end_b and start_b < end_a
        for day_a, start_a, end_a in first
        for day_b, start_b, end_b in second
    )


def lottery_order(applicants: list[Applicant], seed: int) -> list[int]:
    """Priority students first, then everyone else, each group shuffled by the seed.

    Sorting by id before shuffling makes the order depend only on the seed and who applied.
    """
    generator = random.Random(seed)
    priority = sorted(a.id for a in applicants if a.priority)
    others = sorted(a.id for a in applicants if not a.priority)
    generator.shuffle(priority)
    generator.shuffle(others)
    return priority + others


def eligible_choices(applicant: Applicant, offers: dict[int, Offer]) -> list[tuple[int, int]]:
    """(rank, programme id) of the choices the student may take: grade, seats, own busy slots."""
    result = []
    for rank, programme_id in enumerate(applicant.choices[:MAX_CHOICES], start=1):
        offer = offers.get(programme_id)
        if offer is None or offer.seats <= 0:
            continue
        if offer.grades and applicant.grade not in offer.grades:
            continue
        if slots_overlap(offer.slots, applicant.busy):
            continue
        result.append((rank, programme_id))
    return result


def _waitlists(applicants, offers, enrolled, order) -> dict[int, list[tuple[int, int]]]:
    """Unmet choices that do not clash with a given seat, by priority, rank, lottery."""
    position = {student: index for index, student in enumerate(order)}
    entries = defaultdict(list)
    for applicant in applicants:
        taken = enrolled.get(applicant.id, [])
        taken_slots = [slot for p in taken for slot in offers[p].slots]
        for rank, programme_id in enumerate(applicant.choices[:MAX_CHOICES], start=1):
            offer = offers.get(programme_id)
            if offer is None or programme_id in taken:
                continue
            if offer.grades and applicant.grade not in offer.grades:
                continue
            if slots_overlap(offer.slots, [*taken_slots, *applicant.busy]):
                continue
            key = (not applicant.priority, rank, position[applicant.id])
            entries[programme_id].append((key, applicant.id, rank))
    return {
        programme_id: [(student, rank) for _, student, rank in sorted(rows)]
        for programme_id, rows in entries.items()
    }


def _finish(applicants, offers, enrolled, order, solver, started) -> Allocation:
    enrolled = {student: sorted(ps) for student, ps in enrolled.items() if ps}
    unplaced = [a.id for a in applicants if a.choices and a.id not in enrolled and not a.busy]
    return Allocation(
        enrolled=enrolled,
        waitlists=_waitlists(applicants, offers, enrolled, order),
        unplaced=sorted(unplaced),
        order=order,
        solver=solver,
        seconds=round(time.perf_counter() - started, 3),
    )


# --- greedy (the Gibbon-style baseline) --------------------------------------------------------


def allocate_greedy(applicants: list[Applicant], offers: list[Offer], seed: int) -> Allocation:
    """Students one by one in lottery order; each takes every choice, best first, that has a
    seat left and does not clash with what they already have (the Gibbon-style baseline)."""
    started = time.perf_counter()
    by_id = {offer.id: offer for offer in offers}
    seats = {offer.id: offer.seats for offer in offers}
    applicant_by_id = {a.id: a for a in applicants}
    order = lottery_order(applicants, seed)
    enrolled: dict[int, list[int]] = {}
    for student in order:
        applicant = applicant_by_id[student]
        taken: list[int] = []
        busy = list(applicant.busy)
        for _, programme_id in eligible_choices(applicant, by_id):
            offer = by_id[programme_id]
            if seats[programme_id] > 0 and not slots_overlap(offer.slots, busy):
                seats[programme_id] -= 1
                taken.append(programme_id)
                busy.extend(offer.slots)
        enrolled[student] = taken
    return _finish(applicants, by_id, enrolled, order, "greedy", started)


# --- optimal (mixed-integer programme) ---------------------------------------------------------


def allocate_optimal(applicants: list[Applicant], offers: list[Offer], seed: int) -> Allocation:
    """The allocation that places the most 延时托管 students, then meets the most first choices,
    then leaves the fewest unplaced, then follows rank and the seeded lottery (see the module)."""
    # numpy and scipy (about 50 MB) are loaded only by the process that allocates, not by
    # every web worker that imports this module for its data classes.
    from hplearn.afterschool import solver

    return solver.allocate_optimal(applicants, offers, seed)
