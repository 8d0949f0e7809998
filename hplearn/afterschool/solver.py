"""The mixed-integer model behind allocation.allocate_optimal (numpy and scipy's HiGHS).

Kept apart so that importing hplearn.afterschool.allocation does not load numpy and scipy.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from hplearn.afterschool.allocation import (
    RANK_WEIGHTS,
    Allocation,
    Applicant,
    Offer,
    _finish,
    eligible_choices,
    lottery_order,
    slots_overlap,
)


class _Model:
    """The variables and constraints shared by every stage."""

    def __init__(self, applicants: list[Applicant], offers: dict[int, Offer], order: list[int]):
        self.pairs: list[tuple[int, int, int]] = []  # (student, programme, rank) per x variable
        lottery_weight = {student: len(order) - index for index, student in enumerate(order)}
        self.students = [a.id for a in applicants]
        rows, columns, values, lower, upper = [], [], [], [], []
        by_programme = defaultdict(list)
        student_columns = {}
        for applicant in applicants:
            choices = eligible_choices(applicant, offers)
            first = len(self.pairs)
            for rank, programme_id in choices:
                by_programme[programme_id].append(len(self.pairs))
                self.pairs.append((applicant.id, programme_id, rank))
            student_columns[applicant.id] = list(range(first, len(self.pairs)))
        self.x_count = len(self.pairs)
        self.y_index = {student: self.x_count + i for i, student in enumerate(self.students)}
        row = 0

        def add(row_columns, coefficients, low, high):
            nonlocal row
            rows.extend([row] * len(row_columns))
            columns.extend(row_columns)
            values.extend(coefficients)
            lower.append(low)
            upper.append(high)
            row += 1

        for programme_id, cols in by_programme.items():
            add(cols, [1] * len(cols), 0, offers[programme_id].seats)
        for student, cols in student_columns.items():
            for clique in self._clashes(cols, offers):
                add(clique, [1] * len(clique), 0, 1)
            # y (placed at all) only when some x of the student is 1
            add([*cols, self.y_index[student]], [1] * len(cols) + [-1], 0, np.inf)
        self.size = self.x_count + len(self.students)
        self.base = (rows, columns, values, lower, upper, row)
        self.rank = np.array([rank for _, _, rank in self.pairs] + [0] * len(self.students))
        self.lottery = np.array(
            [lottery_weight[s] for s, _, _ in self.pairs] + [0] * len(self.students), dtype=float
        )
        priority = {a.id for a in applicants if a.priority}
        self.priority_y = np.zeros(self.size)
        for student in priority:
            self.priority_y[self.y_index[student]] = 1
        self.first = np.where(self.rank == 1, 1.0, 0.0)
        self.placed = np.zeros(self.size)
        self.placed[self.x_count:] = 1
        self.kept: list[tuple[np.ndarray, float]] = []

    def _clashes(self, cols, offers) -> list[list[int]]:
        """Groups of one student's choices of which at most one may be taken."""
        clashing = [
            (a, b) for i, a in enumerate(cols) for b in cols[i + 1:]
            if slots_overlap(offers[self.pairs[a][1]].slots, offers[self.pairs[b][1]].slots)
        ]
        if len(cols) == 3 and len(clashing) == 3:
            return [cols]
        return [list(pair) for pair in clashing]

    def solve(self, objective: np.ndarray) -> np.ndarray:
        """Maximize the objective under the base constraints and the kept optima."""
        rows, columns, values, lower, upper = (list(part) for part in self.base[:5])
        count = self.base[5]
        for weights, best in self.kept:
            nonzero = np.flatnonzero(weights)
            rows.extend([count] * len(nonzero))
            columns.extend(nonzero.tolist())
            values.extend(weights[nonzero].tolist())
            lower.append(best - 0.5)
            upper.append(np.inf)
            count += 1
        matrix = coo_array((values, (rows, columns)), shape=(count, self.size)).tocsr()
        result = milp(
            -objective,
            constraints=LinearConstraint(matrix, lower, upper),
            integrality=np.ones(self.size),
            bounds=Bounds(0, 1),
            options={"mip_rel_gap": 0, "presolve": True},
        )
        if result.x is None:  # cannot happen: all zeros is always feasible
            raise RuntimeError(f"allocation solver failed: {result.message}")
        chosen = np.round(result.x)
        self.kept.append((objective, float(objective @ chosen)))
        return chosen


def allocate_optimal(applicants: list[Applicant], offers: list[Offer], seed: int) -> Allocation:
    """The allocation that places the most 延时托管 students, then meets the most first choices,
    then leaves the fewest unplaced, then follows rank and the seeded lottery (see the module)."""
    started = time.perf_counter()
    by_id = {offer.id: offer for offer in offers}
    order = lottery_order(applicants, seed)
    model = _Model(applicants, by_id, order)
    if model.x_count == 0:
        return _finish(applicants, by_id, {}, order, "milp", started)
    if model.priority_y.any():
        model.solve(model.priority_y)
    model.solve(model.first)
    model.solve(model.placed)
    rank_weights = np.array([RANK_WEIGHTS.get(int(r), 0) for r in model.rank], dtype=float)
    tie_break = rank_weights * (float(model.lottery.sum()) + 1) + model.lottery
    chosen = model.solve(tie_break)
    enrolled: dict[int, list[int]] = defaultdict(list)
    for index, (student, programme_id, _) in enumerate(model.pairs):
        if chosen[index] == 1:
            enrolled[student].append(programme_id)
    return _finish(applicants, by_id, enrolled, order, "milp", started)
