"""The exercise text format: what parses, and a line-numbered Chinese message for each mistake."""

from __future__ import annotations

import pytest

from hplearn.exercises.format import (
    ExerciseFormatError,
    format_item,
    item_from_fields,
    parse_exercises,
)
from tests.contribution_fixtures import EXERCISES


def _problems(text) -> list[str]:
    with pytest.raises(ExerciseFormatError) as caught:
        parse_exercises(text)
    return caught.value.problems


def test_the_documented_sample_parses_into_four_kinds():
    items = parse_exercises(EXERCISES)
    assert [i.kind for i in items] == ["single", "multiple", "truefalse", "blank"]
    assert items[0].answer == {"correct": [1]} and items[0].explanation == "3² + 4² = 25。"
    assert items[1].answer == {"correct": [0, 1]}
    assert items[2].answer == {"correct": False}
    assert items[3].answer == {"blanks": [["8", "八"]]} and "____" in items[3].stem
    assert [i.line for i in items] == [1, 7, 13, 18]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "第 1 行：还没有题目"),
    ("你好\n### 单选", "第 1 行：题目要以"),
    ("### 问答\n为什么？", "第 1 行：题型“问答”不认识"),
    ("### 单选\n题干\n- [ ] 甲\n- [ ] 乙", "第 1 行：单选题要有且只有一个正确选项"),
    ("### 单选\n题干\n- [x] 甲\n- [x] 乙", "这里有 2 个"),
    ("### 单选\n题干\n- [x] 甲", "要有 2 到 8 个选项，这里有 1 个"),
    ("### 多选\n题干\n- [ ] 甲\n- [ ] 乙", "多选题至少要有一个正确选项"),
    ("### 单选\n- [x] 甲\n- [ ] 乙", "没有题干"),
    ("### 单选\n题干\n- [x] 甲\n- [ ] 甲", "重复的选项"),
    ("### 单选\n题干\n- [x] \n- [ ] 乙", "第 3 行：选项没有内容"),
    ("### 判断\n地球是圆的。", "要写一行“答案：对”"),
    ("### 判断\n地球是圆的。\n答案：也许", "第 3 行：判断题的答案只能是“对”或“错”，这里是“也许”"),
    ("### 判断\n地球是圆的。\n答案：对\n答案：错", "第 4 行：这道判断题的答案写了两次"),
    ("### 判断\n地球是圆的。\n- [x] 对", "第 3 行：判断题没有选项"),
    ("### 填空\n一加一等于二。", "题干里要有空"),
    ("### 填空\n一加一等于 {{ }}。", "有一个空 {{ }} 里没有写答案"),
    ("### 单选\n题干\n答案：对", "第 3 行：只有判断题写“答案：对/错”"),
    ("### 单选\n题干\n- [x] 甲\n> 解析\n- [ ] 乙", "第 5 行：选项要写在解析"),
    ("### 单选\n题干\n- [x] 甲\n- [ ] 乙\n又一行题干", "第 5 行：题干要写在选项、答案和解析之前"),
    ("### 单选\n题干\x07\n- [x] 甲\n- [ ] 乙", "控制字符"),
])
def test_each_mistake_is_named_with_its_line(text, expected):
    assert any(expected in problem for problem in _problems(text)), _problems(text)


def test_every_mistake_is_listed_not_just_the_first():
    problems = _problems("### 单选\n题干\n- [ ] 甲\n- [ ] 乙\n\n### 判断\n对不对？")
    assert problems[0].startswith("第 1 行") and problems[1].startswith("第 6 行")
    assert "第 1 行" in str(ExerciseFormatError(problems)) and "第 6 行" in str(ExerciseFormatError(problems))


@pytest.mark.parametrize("value", [None, 12, ["### 单选"], "x" * 60_001])
def test_non_text_and_overlong_input_is_refused(value):
    assert _problems(value)


def test_too_many_items_are_refused():
    item = "### 判断\n题干\n答案：对\n"
    assert any("最多 50 道题" in p for p in _problems(item * 51))


@pytest.mark.parametrize("index", range(4))
def test_a_parsed_item_written_back_parses_the_same(index):
    item = parse_exercises(EXERCISES)[index]
    again = parse_exercises(format_item(
        item.kind, item.stem, item.options, item.correct, item.truth, item.blanks,
        item.explanation))[0]
    assert (again.kind, again.stem, again.options, again.answer, again.explanation) == (
        item.kind, item.stem, item.options, item.answer, item.explanation)


def test_the_form_writes_an_item_in_the_format():
    text = item_from_fields({"kind": "single", "stem": "2 + 2 = ?",
                             "options": "3\n*4\n5", "explanation": "二加二。"})
    assert text == "### 单选\n2 + 2 = ?\n- [ ] 3\n- [x] 4\n- [ ] 5\n> 二加二。"
    blank = item_from_fields({"kind": "blank", "stem": "中国的首都是 ____。", "blanks": "北京|Beijing"})
    assert parse_exercises(blank)[0].answer == {"blanks": [["北京", "Beijing"]]}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"kind": "essay", "stem": "x"}, "请选择题型"),
    ({"kind": "truefalse", "stem": "地球是圆的"}, "请选择答案"),
    ({"kind": "blank", "stem": "____ 和 ____", "blanks": "甲"}, "要一样多"),
    ({"kind": "single", "stem": "题", "options": "甲\n乙"}, "只有一个正确选项"),
    ({"kind": "single", "stem": ["x"]}, "必须是不超过"),
])
def test_the_form_refuses_what_the_format_refuses(fields, expected):
    with pytest.raises(ExerciseFormatError) as caught:
        item_from_fields(fields)
    assert expected in str(caught.value)
