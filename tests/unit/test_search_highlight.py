"""Highlighted titles and snippets: folding keeps every position right."""

import random

from hplearn.search import highlight


def _reference_folded(text: str) -> tuple[str, list[int]]:
    # Character by character, as the fast path must agree with.
    chars, origin = [], []
    for position, char in enumerate(text):
        for folded in highlight._fold(char):
            chars.append(folded)
            origin.append(position)
    return "".join(chars), origin


def test_folding_fast_path_agrees_with_character_by_character():
    rng = random.Random(3)
    alphabet = "数学勾股定理數學ＡＢＣabc１２3 　-·、，（）ﬁ㎏Ⅻ"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert highlight._folded(text) == _reference_folded(text)


def test_marks_land_on_the_typed_characters():
    assert str(highlight.highlight("數學：勾股定理", ["数学", "勾股"])) == (
        "<mark>數學</mark>：<mark>勾股</mark>定理")
    assert str(highlight.highlight("ＡＢ<c>", ["ab"])) == "<mark>ＡＢ</mark>&lt;c&gt;"
    assert str(highlight.highlight("㎏ 与 kg", ["kg"])) == "<mark>㎏</mark> 与 <mark>kg</mark>"
