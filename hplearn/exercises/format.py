"""The exercise text format (docs/exercises.md): parse it strictly, write it back.

    ### 单选
    下列哪个数是质数？
    - [ ] 4
    - [x] 7
    > 7 只能被 1 和它本身整除。

    ### 判断
    地球绕着太阳转。
    答案：对

    ### 填空
    3 + 4 = {{7}}，两个五是 {{10|十}}。

An item starts with a `### 题型` line (单选, 多选, 判断, 填空); its stem follows; choices are
`- [ ]` / `- [x]` lines; 判断 items end with `答案：对` or `答案：错`; blanks are `{{答案}}` with
`|` between accepted answers; `>` lines are the explanation (解析). Every mistake is reported with
its line number, in Chinese, and nothing is kept until the whole text is right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hplearn.errors import Invalid

KIND_NAMES = {"single": "单选", "multiple": "多选", "truefalse": "判断", "blank": "填空"}
KIND_BY_WORD = {
    "单选": "single", "单选题": "single", "多选": "multiple", "多选题": "multiple",
    "判断": "truefalse", "判断题": "truefalse", "填空": "blank", "填空题": "blank",
}
TRUE_WORDS = ("对", "正确", "√", "是")
FALSE_WORDS = ("错", "错误", "×", "否")
MAX_ITEMS = 50
MAX_OPTIONS = 8
MAX_STEM = 1000
MAX_OPTION = 300
MAX_EXPLANATION = 1000
MAX_BLANKS = 10
MAX_SOURCE = 60_000
MAX_ERRORS = 10

HEADER = re.compile(r"^#{3}\s*(\S*)\s*$")
OPTION = re.compile(r"^[-*]\s*\[( |x|X|×|√)?\]\s*(.*)$")
ANSWER = re.compile(r"^答案\s*[:：]\s*(.*)$")
BLANK = re.compile(r"\{\{(.*?)\}\}")


class ExerciseFormatError(Invalid):
    """The exercise text has mistakes; `problems` lists each as 第 N 行：…"""

    def __init__(self, problems: list[str]):
        self.problems = problems[:MAX_ERRORS]
        more = len(problems) - len(self.problems)
        tail = f"（另有 {more} 处）" if more > 0 else ""
        super().__init__("练习格式有误：" + " ".join(self.problems) + tail, "source")


@dataclass
class ParsedItem:
    """One item as the format describes it."""

    kind: str
    line: int
    stem: str = ""
    options: list[str] = field(default_factory=list)
    correct: list[int] = field(default_factory=list)
    truth: bool | None = None
    blanks: list[list[str]] = field(default_factory=list)
    explanation: str = ""

    @property
    def answer(self) -> dict:
        """The stored answer of the item (what checking compares with)."""
        if self.kind in ("single", "multiple"):
            return {"correct": self.correct}
        if self.kind == "truefalse":
            return {"correct": self.truth}
        return {"blanks": self.blanks}


class _Parser:
    def __init__(self, text: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.items: list[ParsedItem] = []
        self.problems: list[str] = []
        self.stem_lines: list[str] = []
        self.explanation_lines: list[str] = []

    def problem(self, number: int, message: str) -> None:
        self.problems.append(f"第 {number} 行：{message}")

    def run(self) -> list[ParsedItem]:
        for number, raw in enumerate(self.lines, start=1):
            self.read_line(number, raw.strip())
        self.finish_item(len(self.lines))
        if not self.items and not self.problems:
            self.problems.append(
                "第 1 行：还没有题目。每道题以“### 单选”“### 多选”“### 判断”或“### 填空”一行开始。")
        if len(self.items) > MAX_ITEMS:
            self.problems.append(f"第 {self.items[MAX_ITEMS].line} 行：一组练习最多 {MAX_ITEMS} 道题。")
        if self.problems:
            raise ExerciseFormatError(self.problems)
        return self.items

    def read_line(self, number: int, line: str) -> None:
        header = HEADER.match(line)
        if header:
            self.start_item(number, header.group(1))
            return
        if not line:
            return
        if not self.items:
            self.problem(number, "题目要以“### 单选”这样的题型行开始，这一行前面还没有题型行。")
            return
        item = self.items[-1]
        if item.kind == "":
            return  # the header was wrong; its lines are not checked again
        if line.startswith(">"):
            self.explanation_lines.append(line.lstrip(">").strip())
        elif OPTION.match(line):
            self.read_option(number, item, line)
        elif ANSWER.match(line):
            self.read_answer(number, item, ANSWER.match(line).group(1).strip())
        elif item.options or item.truth is not None or self.explanation_lines:
            self.problem(number, "题干要写在选项、答案和解析之前；这里的文字放错了位置。")
        else:
            self.stem_lines.append(line)

    def start_item(self, number: int, word: str) -> None:
        self.finish_item(number - 1)
        kind = KIND_BY_WORD.get(word)
        if kind is None:
            self.problem(number, f"题型“{word or '（空）'}”不认识，只能是 单选、多选、判断 或 填空。")
            kind = ""
        self.items.append(ParsedItem(kind=kind, line=number))
        self.stem_lines, self.explanation_lines = [], []

    def read_option(self, number: int, item: ParsedItem, line: str) -> None:
        if item.kind not in ("single", "multiple"):
            self.problem(number,
                         f"{KIND_NAMES[item.kind]}题没有选项；只有单选和多选题用“- [ ]”选项行。")
            return
        if self.explanation_lines:
            self.problem(number, "选项要写在解析（> 开头的行）之前。")
        mark, text = OPTION.match(line).groups()
        text = text.strip()
        if not text:
            self.problem(number, "选项没有内容。")
        elif len(text) > MAX_OPTION:
            self.problem(number, f"选项太长（最多 {MAX_OPTION} 个字）。")
        if mark and mark.strip():
            item.correct.append(len(item.options))
        item.options.append(text)

    def read_answer(self, number: int, item: ParsedItem, value: str) -> None:
        if item.kind != "truefalse":
            self.problem(number, "只有判断题写“答案：对/错”；选择题在正确选项前写 [x]，"
                         "填空题把答案写在 {{ }} 里。")
        elif item.truth is not None:
            self.problem(number, "这道判断题的答案写了两次。")
        elif value in TRUE_WORDS:
            item.truth = True
        elif value in FALSE_WORDS:
            item.truth = False
        else:
            self.problem(number, f"判断题的答案只能是“对”或“错”，这里是“{value}”。")

    def finish_item(self, last_line: int) -> None:
        if not self.items or self.items[-1].kind == "":
            return
        item = self.items[-1]
        item.stem = "\n".join(self.stem_lines).strip()
        item.explanation = "\n".join(self.explanation_lines).strip()
        self.check_item(item)

    def check_item(self, item: ParsedItem) -> None:
        line, name = item.line, KIND_NAMES[item.kind]
        if not item.stem:
            self.problem(line, f"这道{name}题没有题干。")
        elif len(item.stem) > MAX_STEM:
            self.problem(line, f"题干太长（最多 {MAX_STEM} 个字）。")
        if len(item.explanation) > MAX_EXPLANATION:
            self.problem(line, f"解析太长（最多 {MAX_EXPLANATION} 个字）。")
        if item.kind in ("single", "multiple"):
            self.check_choices(item, name)
        elif item.kind == "truefalse" and item.truth is None:
            self.problem(line, "判断题要写一行“答案：对”或“答案：错”。")
        elif item.kind == "blank":
            self.check_blanks(item)

    def check_choices(self, item: ParsedItem, name: str) -> None:
        line = item.line
        if not 2 <= len(item.options) <= MAX_OPTIONS:
            self.problem(line,
                         f"{name}题要有 2 到 {MAX_OPTIONS} 个选项，这里有 {len(item.options)} 个。")
        if item.kind == "single" and len(item.correct) != 1:
            self.problem(line, "单选题要有且只有一个正确选项（写成“- [x]”），"
                         f"这里有 {len(item.correct)} 个。")
        if item.kind == "multiple" and not item.correct:
            self.problem(line, "多选题至少要有一个正确选项（写成“- [x]”）。")
        if len(set(item.options)) != len(item.options):
            self.problem(line, f"这道{name}题有重复的选项。")

    def check_blanks(self, item: ParsedItem) -> None:
        answers = BLANK.findall(item.stem)
        if not answers:
            self.problem(item.line, "填空题的题干里要有空，把答案写成 {{答案}}，"
                         "几个答案都对时写 {{答案一|答案二}}。")
        if len(answers) > MAX_BLANKS:
            self.problem(item.line, f"一道填空题最多 {MAX_BLANKS} 个空。")
        for answer in answers:
            accepted = [a.strip() for a in answer.split("|") if a.strip()]
            if not accepted:
                self.problem(item.line, "填空题有一个空 {{ }} 里没有写答案。")
            item.blanks.append(accepted)
        item.stem = BLANK.sub("____", item.stem)


def parse_exercises(text) -> list[ParsedItem]:
    """Parse the exercise text; raise ExerciseFormatError listing every mistake by line.

    text: the teacher's text (anything; non-text and over-long input are refused too).
    """
    if not isinstance(text, str):
        raise ExerciseFormatError(["第 1 行：练习内容必须是文字。"])
    if len(text) > MAX_SOURCE:
        raise ExerciseFormatError([f"第 1 行：练习内容太长（最多 {MAX_SOURCE} 个字符）。"])
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ExerciseFormatError(["第 1 行：练习内容含有不允许的控制字符。"])
    return _Parser(text).run()


def format_item(kind: str, stem: str, options=(), correct=(), truth=None, blanks=(),
                explanation: str = "") -> str:
    """One item in the text format (the form and reuse write items this way).

    stem: for 填空, the stem with ____ where the blanks go, in order of `blanks`.
    """
    lines = [f"### {KIND_NAMES[kind]}"]
    if kind == "blank":
        parts = stem.split("____")
        text = parts[0]
        for index, part in enumerate(parts[1:]):
            accepted = blanks[index] if index < len(blanks) else []
            text += "{{" + "|".join(accepted) + "}}" + part
        lines.append(text)
    else:
        lines.append(stem)
    for index, option in enumerate(options):
        lines.append(f"- [{'x' if index in correct else ' '}] {option}")
    if kind == "truefalse":
        lines.append(f"答案：{'对' if truth else '错'}")
    lines.extend(f"> {line}" for line in explanation.splitlines() if line.strip())
    return "\n".join(lines)


def item_from_fields(data) -> str:
    """One item in the text format from the form's fields (checked by parsing it alone).

    data: kind (single, multiple, truefalse, blank), stem, options (one a line, `*` before the
    right ones), truth (对/错), blanks (one line per blank, `|` between accepted answers),
    explanation.
    """
    def field_text(name: str, limit: int) -> str:
        value = data.get(name) or ""
        if not isinstance(value, str) or len(value) > limit:
            raise ExerciseFormatError([f"第 1 行：“{name}”必须是不超过 {limit} 个字的文字。"])
        return value.strip()

    kind = data.get("kind")
    if kind not in KIND_NAMES:
        raise ExerciseFormatError(["第 1 行：请选择题型：单选、多选、判断或填空。"])
    stem = " ".join(field_text("stem", MAX_STEM).split("\n"))
    lines = [line.strip() for line in field_text("options", MAX_OPTION * MAX_OPTIONS).splitlines()
             if line.strip()]
    options = [line.lstrip("*＊").strip() for line in lines]
    correct = [i for i, line in enumerate(lines) if line.startswith(("*", "＊"))]
    blanks = [[a.strip() for a in line.split("|")]
              for line in field_text("blanks", MAX_OPTION * MAX_BLANKS).splitlines() if line.strip()]
    truth = field_text("truth", 4)
    text = format_item(kind, stem, options if kind in ("single", "multiple") else (), correct,
                       truth in TRUE_WORDS, blanks, field_text("explanation", MAX_EXPLANATION))
    if kind == "truefalse" and truth not in TRUE_WORDS + FALSE_WORDS:
        raise ExerciseFormatError(["第 1 行：判断题请选择答案“对”或“错”。"])
    if kind == "blank" and stem.count("____") != len(blanks):
        raise ExerciseFormatError([f"第 1 行：题干里有 {stem.count('____')} 个空（____），"
                                   f"答案写了 {len(blanks)} 行，要一样多。"])
    parse_exercises(text)
    return text
