"""Screening what students write: personal information, sensitive words, signs of distress.

Pure functions over text, plus loading the word lists from the content folder. Core: accounts
screen display names with it, the Q&A board questions and answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hplearn.screening.text import PinyinView, normalise, pinyin, simplify


@dataclass(frozen=True)
class Finding:
    """One piece of personal information found in a text."""

    kind: str
    label: str
    excerpt: str


_DIGIT_SEP = r"[\s-]?"
_MOBILE = re.compile(
    r"(?<![\dA-Za-z])(?:\+?86" + _DIGIT_SEP + r")?(1[3-9]\d" + _DIGIT_SEP + r"\d{4}"
    + _DIGIT_SEP + r"\d{4})(?!\d)"
)
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])")
_QQ = re.compile(r"(?:q\s*q|扣扣|抠抠|企鹅|q)\s*(?:号码?|号|账号)?\s*(?:号是|是|为)?\s*[:：]?\s*"
                 r"(\d{5,11})(?!\d)")
# WeChat and the ways students write it to get past filters: v信, 微x, vx, 绿泡泡, 威❤ ...
_WECHAT_NAMES = (r"微信|威信|薇信|维信|徽信|围信|[微威薇v]\s*[x❤♥💚]|[v微威]\s*信|wei\s*xin|wei信|v\s*x|w\s*x"
                 r"|we\s*chat|绿泡泡|绿色泡泡|绿色软件|\+\s*v|加\s*v")
_WECHAT = re.compile(
    r"(?:" + _WECHAT_NAMES + r")\s*(?:号码?|账号|id)?\s*(?:号是|是|为)?\s*[:：]?\s*"
    r"([a-z][-_a-z0-9]{5,19}|\d{6,11})(?![\da-z])"
)
_ADDRESS = re.compile(
    r"[\u4e00-\u9fa5]{1,12}(?:路|街|大街|大道|道|胡同|巷|里)\s*[0-9一二三四五六七八九十百零〇]+\s*号"
    r"|\d+\s*(?:号楼|栋|幢)\s*\d*\s*(?:单元)?\s*\d*\s*(?:室|号)?"
    r"|[\u4e00-\u9fa5]{2,12}(?:小区|花园|公寓|新村|家园)\s*\d+\s*(?:号楼|栋|幢|号|单元)"
)
_CLASS = r"(?:[一二三四五六七八九]|[1-9])\s*(?:年级?|年)\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2})\s*班" \
    r"|(?:初|高)[一二三]\s*[（(]?\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2})\s*[)）]?\s*班" \
    r"|[七八九]年级\s*[（(]?\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2})\s*[)）]?\s*班" \
    r"|(?:[一二三四五六七八九]|[1-9])\s*[（(]\s*(?:[一二三四五六七八九十]{1,2}|\d{1,2})\s*[)）]\s*班"
# The commonest surnames; a class followed by one of these and one or two more characters is
# almost always a child's full name (三年二班王小明).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
    "纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙")
_NAME_WITH_CLASS = re.compile(
    r"(?:" + _CLASS + r")\s*(?:的)?\s*((?:" + "|".join(_COMPOUND_SURNAMES) + r"|[" + _SURNAMES
    + r"])[\u4e00-\u9fa5]{1,2})"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

LABELS = {
    "mobile": "手机号码",
    "id_number": "身份证号码",
    "qq": "QQ 号",
    "wechat": "微信号",
    "address": "家庭住址（门牌号、楼号）",
    "name_with_class": "班级和姓名",
}


def is_valid_id_number(number: str) -> bool:
    """Whether an 18-character ID number has a plausible birth date and a correct check digit."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    month, day = int(number[10:12]), int(number[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def find_personal_information(text: str) -> list[Finding]:
    """Return every piece of personal information in text (empty when there is none).

    The text is read simplified (full-width digits, traditional characters, hidden characters)
    with numbers written in Chinese digits or split by spaces, dots or dashes joined up.
    """
    text = join_digits(simplify(text))
    findings: list[Finding] = []
    for match in _ID_NUMBER.finditer(text):
        if is_valid_id_number(match.group(1)):
            findings.append(_finding("id_number", match.group(1)))
    id_spans = [f.excerpt for f in findings]
    for match in _MOBILE.finditer(text):
        if not any(match.group(1) in number for number in id_spans):
            findings.append(_finding("mobile", match.group(0).strip()))
    for kind, pattern in (("qq", _QQ), ("wechat", _WECHAT)):
        findings.extend(_finding(kind, m.group(0).strip()) for m in pattern.finditer(text))
    findings.extend(_finding("address", m.group(0).strip()) for m in _ADDRESS.finditer(text))
    findings.extend(
        _finding("name_with_class", m.group(0).strip()) for m in _NAME_WITH_CLASS.finditer(text)
    )
    return findings


_CHINESE_DIGITS = str.maketrans("零〇洞幺一二三四五六七八九", "0001123456789")
_SEP = r"[\s.\-/·・_,、|]"
_ANY_DIGIT = r"[零〇洞幺一二三四五六七八九\d]"
_DIGIT_RUN = re.compile(_ANY_DIGIT + r"(?:" + _SEP + r"{0,3}" + _ANY_DIGIT + r"){6,}(?:" + _SEP + r"{0,3}x)?")
_BETWEEN_DIGITS = re.compile(r"(?<=\d)" + _SEP + r"{1,3}(?=[\dx])")


def join_digits(text: str) -> str:
    """Numbers as a filter reads them: 一三八 1234 5678 and 138.1234.5678 read 13812345678.

    Only runs of seven or more digits are joined, so 三年二班 and 3.14 stay as they are.
    """
    def join(match: re.Match) -> str:
        return _BETWEEN_DIGITS.sub("", match.group(0).translate(_CHINESE_DIGITS))
    return _DIGIT_RUN.sub(join, text)


def _finding(kind: str, excerpt: str) -> Finding:
    return Finding(kind=kind, label=LABELS[kind], excerpt=excerpt)


def describe_findings(findings: list[Finding], *, lead: str = "为了保护你的安全，提问里",
                      unsaved: str = "问题尚未保存") -> str:
    """A Chinese message telling the writer what was found and what to do.

    lead: who is protected and where (the Q&A by default); unsaved: what was not kept.
    """
    parts = []
    for finding in findings:
        item = f"{finding.label}（“{finding.excerpt}”）"
        if item not in parts:
            parts.append(item)
    return (
        f"{lead}不能包含个人信息。我们发现了："
        + "；".join(parts)
        + f"。请删除这些内容后再提交，{unsaved}。"
    )


def load_word_list(*paths: Path) -> tuple[str, ...]:
    """Read words (one a line, # comments) from the files that exist, lower-cased, deduplicated."""
    words: dict[str, None] = {}
    for path in paths:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split("#", 1)[0].strip().lower()
            if word:
                words[word] = None
    return tuple(words)


def matching_words(text: str, words: tuple[str, ...]) -> list[str]:
    """Return the listed words that occur in text (normalised; also typed in pinyin)."""
    flat = normalise(text)
    view = PinyinView(flat)
    found = []
    for word in words:
        target = normalise(word)
        if target and (target in flat or view.typed(pinyin(target))):
            found.append(word)
    return found
