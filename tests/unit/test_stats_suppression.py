"""The one "<5" rule (hplearn.stats.suppression): primary and complementary suppression."""

from __future__ import annotations

import itertools

from hplearn.stats.suppression import HIDDEN, Cell, cells_in, publish, suppress


def _people(count: int, prefix: str = "p") -> set[str]:
    return {f"{prefix}{n}" for n in range(count)}


def _derivable(group, hidden) -> bool:
    """The attack: a group (parts..., total) with exactly one hidden member gives it away."""
    return sum(cell in hidden for cell in group) == 1


def test_small_cells_are_hidden_and_zero_too():
    big, small, nobody = Cell(40, _people(8)), Cell(3, _people(1)), Cell(0, set())
    assert suppress([big, small, nobody]) == {small, nobody}


def test_subtracting_shown_subjects_from_the_total_gives_nothing_away():
    # Three mental-health questions of one student beside 6 and 9 of many students.
    maths, chinese, mental = Cell(6, _people(6, "m")), Cell(9, _people(7, "c")), Cell(3, {"x"})
    total = Cell(18, _people(6, "m") | _people(7, "c") | {"x"})
    group = [maths, chinese, mental, total]
    hidden = suppress(group, [group])
    assert mental in hidden and maths in hidden  # the next smallest goes with it
    assert chinese not in hidden and total not in hidden
    assert not _derivable(group, hidden)


def test_two_hidden_parts_of_one_student_are_not_enough():
    # Their sum (total - shown) would still be one student's figure.
    a, b = Cell(2, {"x"}), Cell(1, {"x"})
    shown_part = Cell(20, _people(9))
    total = Cell(23, _people(9) | {"x"})
    group = [a, b, shown_part, total]
    hidden = suppress(group, [group])
    assert shown_part in hidden  # no part is left: the whole group is hidden but the total
    assert total not in hidden


def test_two_hidden_parts_of_five_students_may_stand():
    a, b = Cell(3, _people(3, "a")), Cell(4, _people(2, "b"))
    shown_part, total = Cell(20, _people(9)), Cell(27, _people(9) | _people(5, "ab"))
    group = [a, b, shown_part, total]
    assert suppress(group, [group]) == {a, b}


def test_the_total_is_hidden_only_when_no_part_is_left():
    only, total = Cell(3, {"x"}), Cell(3, {"x"})
    assert suppress([only, total], [[only, total]]) == {only, total}
    part, lonely_total = Cell(7, _people(6)), Cell(9, _people(6) | {"x"})
    hidden_part = Cell(2, {"x"})
    group = [part, hidden_part, lonely_total]
    assert suppress(group, [group]) == {part, hidden_part}


def test_complements_are_chased_through_rows_and_columns():
    # 3x3 table with margins; one small cell forces a rectangle of hidden cells.
    values = [[3, 10, 12], [8, 9, 11], [7, 14, 6]]
    cells = [[Cell(v, v) for v in row] for row in values]
    rows = [[*row, Cell(sum(c.value for c in row), sum(c.value for c in row))] for row in cells]
    columns = [[*column, Cell(sum(c.value for c in column), sum(c.value for c in column))]
               for column in zip(*cells, strict=True)]
    hidden = suppress(cells_in(rows + columns), rows + columns)
    assert cells[0][0] in hidden
    assert not any(_derivable(group, hidden) for group in rows + columns)
    # Not everything: a rectangle of four cells is enough here.
    assert len(hidden) == 4


def test_cells_decided_elsewhere_are_kept_as_they_are():
    school_a = Cell(3, {"x"}, hidden=True)  # hidden on school A's own page
    school_b = Cell(20, _people(9), hidden=False)  # shown on school B's page
    district = Cell(23, _people(9) | {"x"})
    hidden = suppress([school_a, school_b, district], [[school_a, school_b, district]])
    assert hidden == {school_a, district}


def test_a_share_follows_its_counts():
    answered = Cell(3, {"x"})
    within = Cell(2, _people(5))
    share = Cell(0.67, _people(5), follows=(answered, within))
    assert suppress([answered, within, share]) == {answered, share}


def test_publish_replaces_cells_with_values_or_the_marker():
    shown_cell, hidden_cell = Cell(12, _people(5)), Cell(1, {"x"})
    tree = {"a": shown_cell, "rows": [{"b": hidden_cell, "label": "数学"}], "pair": (shown_cell, 2)}
    hidden = suppress(cells_in(tree))
    assert publish(tree, hidden) == {"a": 12, "rows": [{"b": HIDDEN, "label": "数学"}],
                                     "pair": (12, 2)}


def test_no_single_hidden_cell_in_any_small_table():
    # Every 2x3 table of small values: whatever is hidden, no row or column shows all but one.
    for values in itertools.product((0, 2, 6, 11), repeat=6):
        cells = [[Cell(v, v) for v in values[:3]], [Cell(v, v) for v in values[3:]]]
        rows = [[*row, Cell(sum(c.value for c in row), sum(c.value for c in row))]
                for row in cells]
        columns = [[*column, Cell(sum(c.value for c in column), sum(c.value for c in column))]
                   for column in zip(*cells, strict=True)]
        hidden = suppress(cells_in(rows + columns), rows + columns)
        assert not any(_derivable(group, hidden) for group in rows + columns), values
