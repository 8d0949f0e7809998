"""The "<5" rule in one place: primary and complementary (secondary) suppression of small cells.

Knows no feature: callers describe their figures as `Cell`s (a value and the distinct students
behind it) and the sums the reader can check (`groups`: parts followed by their shown total),
and get back which cells to hide.

- Primary: a cell behind which fewer than five distinct students stand is hidden (zero too).
- Complementary: in every group, if the hidden members could be got back by subtracting the
  shown ones from each other (one hidden member alone, or several hidden parts of a shown total
  that together still stand for fewer than five students), the smallest shown part is hidden
  too (the total only when no part is left), and so on over every group until nothing changes.
  A hidden 0 is protected like any other small figure: "<5" must not be worked out to be 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_STUDENTS = 5
HIDDEN = "<5"
# How pages say it: a bare "<5" reads like "under five minutes" (JSON and CSV keep "<5").
HIDDEN_TEXT = "人数不足 5 人"


@dataclass(eq=False)
class Cell:
    """One figure: its value and the distinct students behind it.

    people: a count of students (counts of one group must be of different students, as in a
    partition), or a collection of person keys (the union is taken, so overlaps are fine; a
    collection capped at MIN_STUDENTS keys is enough).
    hidden: None to let the rule decide; True or False for a cell decided elsewhere (shown on
    another page), which this pass never changes.
    follows: cells this one is worked out from (a share of two counts); hidden if any of them is.
    """

    value: object
    people: object = 0
    hidden: bool | None = None
    follows: tuple = ()

    def primary(self) -> bool:
        """Fewer than five distinct students behind it."""
        return _count(self.people) < MIN_STUDENTS


def _count(people) -> int:
    return people if isinstance(people, int) else len(people)


def _students(cells: list[Cell]) -> int:
    """Distinct students behind several cells together (at least; enough for the rule)."""
    sets = [cell.people for cell in cells if not isinstance(cell.people, int)]
    counted = sum(cell.people for cell in cells if isinstance(cell.people, int))
    keys = set().union(*sets) if sets else set()
    return counted + len(keys)


def _magnitude(cell: Cell) -> float:
    return cell.value if isinstance(cell.value, (int, float)) else 0


def _exposed(group: Sequence[Cell], hidden: set) -> bool:
    """Whether the hidden members of the group (parts..., total) can be worked out."""
    shut = [cell for cell in group if cell in hidden]
    if not shut or len(shut) == len(group):
        return False
    if len(shut) == 1:
        return True
    # Several hidden parts of a shown total: their sum is known, and must stand for five.
    total = group[-1]
    return total not in hidden and _students(shut) < MIN_STUDENTS


def _next_to_hide(group: Sequence[Cell], hidden: set, groups_of: dict) -> Cell | None:
    parts = [cell for cell in group[:-1] if cell not in hidden and cell.hidden is None]
    if parts:
        # Best a part that also protects another group (closing a rectangle in a table), then
        # the smallest; min keeps the first of equals, so the choice is stable.
        def cost(cell: Cell) -> tuple:
            helps = any(other is not group and _exposed(other, hidden)
                        for other in groups_of.get(cell, ()))
            return (not helps, _magnitude(cell))

        return min(parts, key=cost)
    total = group[-1]
    return total if total not in hidden and total.hidden is None else None


def suppress(cells: Iterable[Cell], groups: Iterable[Sequence[Cell]] = ()) -> set[Cell]:
    """The cells to hide: every primary one, then complementary ones until no hidden value
    can be got back from a group's shown members.

    groups: sequences of cells whose last member is the sum of the others and is shown (a
    total that is not shown anywhere makes no group).
    """
    groups = [list(group) for group in groups]
    everything = set(cells) | {cell for group in groups for cell in group}
    hidden = {cell for cell in everything
              if cell.hidden or (cell.hidden is None and cell.primary())}
    groups_of: dict = {}
    for group in groups:
        for cell in group:
            groups_of.setdefault(cell, []).append(group)
    changed = True
    while changed:
        changed = False
        for group in groups:
            while _exposed(group, hidden):
                extra = _next_to_hide(group, hidden, groups_of)
                if extra is None:
                    break  # only cells decided elsewhere are left: nothing more to do here
                hidden.add(extra)
                changed = True
    changed = True
    while changed:  # a share follows the counts it is made of
        followers = {cell for cell in everything if cell not in hidden
                     and any(source in hidden for source in cell.follows)}
        hidden |= followers
        changed = bool(followers)
    return hidden


def publish(tree, hidden: set[Cell]):
    """The tree (dicts, lists, tuples) with each Cell replaced by its value or "<5"."""
    if isinstance(tree, Cell):
        return HIDDEN if tree in hidden else tree.value
    if isinstance(tree, dict):
        return {key: publish(value, hidden) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(publish(value, hidden) for value in tree)
    return tree


def cells_in(tree) -> list[Cell]:
    """Every Cell in a tree of dicts, lists and tuples."""
    if isinstance(tree, Cell):
        return [tree]
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, (list, tuple)):
        return [cell for value in tree for cell in cells_in(value)]
    return []
