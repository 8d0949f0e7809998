"""Screening students' text: personal information, sensitive and distress words."""

import pytest

from hplearn.screening import (
    describe_findings,
    find_personal_information,
    is_valid_id_number,
    load_word_list,
    matching_words,
)

VALID_ID = "11010519491231002X"  # the textbook example with a correct check digit


def kinds(text):
    return {finding.kind for finding in find_personal_information(text)}


@pytest.mark.parametrize("text", [
    "我的电话是13812345678", "打 138 1234 5678 找我", "手机 138-1234-5678", "+8613812345678",
])
def test_mobile_numbers_are_found(text):
    assert "mobile" in kinds(text)


def test_id_numbers_need_a_correct_check_digit():
    assert is_valid_id_number(VALID_ID)
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("11010519491331002X")  # month 13
    assert "id_number" in kinds(f"身份证{VALID_ID}")
    assert "id_number" not in kinds("订单号110105194912310021")


def test_an_id_number_is_not_also_reported_as_a_phone_number():
    assert kinds(f"身份证号{VALID_ID}") == {"id_number"}


@pytest.mark.parametrize(("text", "kind"), [
    ("加我QQ 123456789", "qq"), ("qq号：10001", "qq"), ("扣扣 87654321", "qq"),
    ("我的微信是 wxid_abc123", "wechat"), ("加vx: hello_2010", "wechat"), ("微信号13912345678", "wechat"),
])
def test_qq_and_wechat_ids_are_found(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize("text", [
    "我家住在南京路123号", "和平区成都道 45 号", "阳光小区5号楼", "3号楼2单元401室",
])
def test_street_addresses_are_found(text):
    assert "address" in kinds(text)


@pytest.mark.parametrize("text", [
    "我是三年二班王小明", "我是3年2班的李华", "初二(3)班张伟问一下", "七年级（1）班欧阳娜娜",
])
def test_a_full_name_with_a_class_is_found(text):
    assert "name_with_class" in kinds(text)


@pytest.mark.parametrize("text", [
    "三角形内角和为什么是180度？", "1+1=2，2x+3=13 怎么解？", "三年二班的同学都不会这道题",
    "第3题的答案是 12345 吗", "勾股定理 3² + 4² = 5²", "二年级数学：100以内加法",
    "QQ 音乐里的歌词", "一千米等于1000米",
])
def test_ordinary_homework_questions_pass(text):
    assert find_personal_information(text) == []


def test_message_says_what_was_found_and_what_to_do():
    message = describe_findings(find_personal_information("我是三年二班王小明，电话13812345678"))
    assert "手机号码" in message and "13812345678" in message
    assert "班级和姓名" in message
    assert "删除" in message and "尚未保存" in message


def test_word_lists_skip_comments_and_blank_lines(tmp_path):
    first = tmp_path / "a.txt"
    first.write_text("# comment\n赌博\n\n  代写作业  # inline\n", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("赌博\n刷单\n", encoding="utf-8")
    assert load_word_list(first, second, tmp_path / "missing.txt") == ("赌博", "代写作业", "刷单")


def test_words_are_matched_through_spacing_and_punctuation():
    assert matching_words("我 不想 活 了", ("不想活",)) == ["不想活"]
    assert matching_words("自*杀", ("自杀",)) == ["自杀"]
    assert matching_words("今天考试很顺利", ("自杀", "不想活")) == []
