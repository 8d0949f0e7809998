"""Exercise rules: writing sets, checking answers, private attempts, school correct rates."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from hplearn import policy
from hplearn.catalog.models import Resource
from hplearn.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from hplearn.exercises.format import KIND_NAMES, format_item, parse_exercises
from hplearn.exercises.models import ExerciseAttempt, ExerciseItem, ExerciseSet
from hplearn.extensions import db
from hplearn.stats.suppression import HIDDEN, Cell, suppress

MAX_ID = 2**31 - 1
FEW_STUDENTS = HIDDEN  # the "<5" rule (hplearn.stats.suppression)
LETTERS = "ABCDEFGH"
MAX_BLANK_ANSWER = 100


class ExerciseError(DomainError):
    """A request the exercise rules refuse."""


class ExerciseNotFound(ExerciseError, NotFound):
    """No such set or item, or not one the user may see."""


class ExerciseForbidden(ExerciseError, Forbidden):
    """The role may not do this."""


class ExerciseLocked(ExerciseError, Conflict):
    """A published set is no longer edited (its statistics would mix versions)."""


class AnswerInvalid(ExerciseError, Invalid):
    """The answer sent is not of the item's form."""

    def __init__(self, message: str):
        super().__init__(message, "answer")


# --- writing ------------------------------------------------------------------------------


def _items_from(source: str, exercise_set: ExerciseSet) -> list[ExerciseItem]:
    return [
        ExerciseItem(
            position=index, kind=parsed.kind, stem=parsed.stem, options=parsed.options,
            answer=parsed.answer, explanation=parsed.explanation, line=parsed.line,
            published=exercise_set.published, stage=exercise_set.stage,
            grade=exercise_set.grade, subject=exercise_set.subject,
        )
        for index, parsed in enumerate(parse_exercises(source))
    ]


def new_set(owner, source: str, *, title: str = "课后练习", stage=None, grade=None,
            subject=None) -> ExerciseSet:
    """A new unpublished set of the owner's items, added to the session (not committed).

    owner: the teacher writing it. source: the exercise text (docs/exercises.md).
    """
    if not policy.can_write_exercises(owner):
        raise ExerciseForbidden("只有教师和管理员可以编写练习。")
    exercise_set = ExerciseSet(title=title, source=source, owner_id=owner.id,
                               school_id=owner.school_id, stage=stage, grade=grade,
                               subject=subject)
    exercise_set.items = _items_from(source, exercise_set)
    db.session.add(exercise_set)
    return exercise_set


def replace_source(actor, exercise_set: ExerciseSet, source: str) -> ExerciseSet:
    """Rewrite an unpublished set's items from new text (not committed)."""
    if exercise_set.published:
        raise ExerciseLocked("练习已经发布，不能再修改。")
    if not policy.can_edit_exercise_set(actor, exercise_set):
        raise ExerciseForbidden("只有练习的作者可以修改它。")
    items = _items_from(source, exercise_set)
    exercise_set.items.clear()
    db.session.flush()
    exercise_set.items = items
    exercise_set.source = source
    return exercise_set


def describe_metadata(exercise_set: ExerciseSet, *, stage, grade, subject) -> None:
    """Give an unpublished set (and its items) the curriculum fields of its resource."""
    exercise_set.stage, exercise_set.grade, exercise_set.subject = stage, grade, subject
    for item in exercise_set.items:
        item.stage, item.grade, item.subject = stage, grade, subject


def publish_set(exercise_set: ExerciseSet, resource: Resource) -> None:
    """Attach the set to the resource students open and lock it (not committed)."""
    exercise_set.resource_id = resource.id
    exercise_set.published = True
    for item in exercise_set.items:
        item.published = True


def item_source(item: ExerciseItem) -> str:
    """One item written back in the text format, for a teacher who reuses it."""
    return format_item(item.kind, item.stem, item.options, item.answer.get("correct") or [],
                       item.answer.get("correct") if item.kind == "truefalse" else None,
                       item.answer.get("blanks") or [], item.explanation)


# --- reading --------------------------------------------------------------------------------


def resource_of(exercise_set: ExerciseSet) -> Resource | None:
    """The resource the set is attached to, if any."""
    return db.session.get(Resource, exercise_set.resource_id) if exercise_set.resource_id else None


def get_visible_set(set_id: int, user) -> ExerciseSet:
    """The set if the user may open it (its resource is visible, or they wrote or review it)."""
    exercise_set = db.session.get(ExerciseSet, set_id) if 1 <= set_id <= MAX_ID else None
    if exercise_set is None or not policy.can_view_exercise_set(
            user, exercise_set, resource_of(exercise_set)):
        raise ExerciseNotFound("没有找到这组练习。")
    return exercise_set


def get_visible_item(item_id: int, user) -> ExerciseItem:
    """The item if the user may open its set."""
    item = db.session.get(ExerciseItem, item_id) if 1 <= item_id <= MAX_ID else None
    if item is None:
        raise ExerciseNotFound("没有找到这道题。")
    get_visible_set(item.set_id, user)
    return item


def sets_for_resources(resource_ids) -> list[ExerciseSet]:
    """The published sets attached to these resources, oldest first."""
    ids = [i for i in resource_ids if i]
    if not ids:
        return []
    query = (select(ExerciseSet)
             .where(ExerciseSet.resource_id.in_(ids), ExerciseSet.published.is_(True))
             .order_by(ExerciseSet.id))
    return list(db.session.scalars(query))


# --- answering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """What a student sees straight after answering."""

    item: ExerciseItem
    correct: bool
    given: str
    expected: str
    explanation: str
    response: tuple = ()


def _choice_index(item: ExerciseItem, value) -> int:
    # An option index: an integer from JSON, or its digits from a form (never 1.5 or true).
    if isinstance(value, str) and value.strip().isdecimal() and len(value) < 4:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerInvalid("请选择一个选项。")
    index = value
    if not 0 <= index < len(item.options):
        raise AnswerInvalid("选择的选项不存在。")
    return index


def parse_response(item: ExerciseItem, value) -> list:
    """The answer as stored: option indices, [True/False], or one text per blank.

    value: from a form (a string or a list of strings) or JSON (int, list, bool, strings).
    """
    if item.kind == "single":
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else None
        if value in (None, ""):
            raise AnswerInvalid("请选择一个选项。")
        return [_choice_index(item, value)]
    if item.kind == "multiple":
        values = value if isinstance(value, list) else [value]
        values = [v for v in values if v not in (None, "")]
        if not values:
            raise AnswerInvalid("请至少选择一个选项。")
        return sorted({_choice_index(item, v) for v in values})
    if item.kind == "truefalse":
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else None
        truth = {"true": True, "false": False, True: True, False: False}.get(value) \
            if isinstance(value, (str, bool)) else None
        if truth is None:
            raise AnswerInvalid("请选择“对”或“错”。")
        return [truth]
    return _parse_blanks(item, value)


def _parse_blanks(item: ExerciseItem, value) -> list:
    values = value if isinstance(value, list) else [value]
    if len(values) != item.blank_count or not all(isinstance(v, str) for v in values):
        raise AnswerInvalid(f"这道题有 {item.blank_count} 个空，请每个空都填写。")
    if any(len(v) > MAX_BLANK_ANSWER for v in values):
        raise AnswerInvalid(f"每个空最多填 {MAX_BLANK_ANSWER} 个字。")
    if not all(v.strip() for v in values):
        raise AnswerInvalid("还有空没有填写。")
    return [v.strip() for v in values]


def _same_text(given: str, accepted: str) -> bool:
    # Full-width digits and letters, case and spaces do not make an answer wrong.
    def normal(text):
        return "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return normal(given) == normal(accepted)


def is_correct(item: ExerciseItem, response: list) -> bool:
    """Whether a parsed response is right."""
    if item.kind in ("single", "multiple"):
        return sorted(response) == sorted(item.answer.get("correct") or [])
    if item.kind == "truefalse":
        return response == [item.answer.get("correct")]
    blanks = item.answer.get("blanks") or []
    return len(response) == len(blanks) and all(
        any(_same_text(given, accepted) for accepted in options)
        for given, options in zip(response, blanks, strict=True))


def describe(item: ExerciseItem, response: list) -> str:
    """A response as words: 'B', 'A、C', '对', '7；十'."""
    if item.kind in ("single", "multiple"):
        return "、".join(LETTERS[i] for i in response)
    if item.kind == "truefalse":
        return "对" if response and response[0] else "错"
    return "；".join(response)


def expected_answer(item: ExerciseItem) -> str:
    """The right answer as words."""
    if item.kind == "blank":
        return "；".join(" 或 ".join(options) for options in item.answer.get("blanks") or [])
    if item.kind == "truefalse":
        return describe(item, [item.answer.get("correct")])
    return describe(item, item.answer.get("correct") or [])


def answer_item(user, item_id: int, value) -> Feedback:
    """Check an answer at once; a signed-in student's attempt is kept, privately.

    user: anyone who may open the item's set (others answer without a record).
    value: the raw answer (see parse_response).
    """
    item = get_visible_item(item_id, user)
    response = parse_response(item, value)
    correct = is_correct(item, response)
    if policy.can_record_exercise_attempt(user) and item.published:
        db.session.add(ExerciseAttempt(item_id=item.id, student_id=user.id,
                                       school_id=user.school_id, correct=correct,
                                       response=response))
        db.session.commit()
    return Feedback(item, correct, describe(item, response), expected_answer(item),
                    item.explanation, tuple(response))


def last_attempts(user, exercise_set: ExerciseSet) -> dict[int, ExerciseAttempt]:
    """The user's own latest attempt at each item of the set (nobody else's, ever)."""
    if not policy.can_record_exercise_attempt(user):
        return {}
    item_ids = [item.id for item in exercise_set.items]
    rows = db.session.scalars(
        select(ExerciseAttempt)
        .where(ExerciseAttempt.student_id == user.id, ExerciseAttempt.item_id.in_(item_ids))
        .order_by(ExerciseAttempt.id))
    return {row.item_id: row for row in rows}


def feedback_from(attempt: ExerciseAttempt, item: ExerciseItem) -> Feedback:
    """The feedback of an earlier attempt, shown again when the student comes back."""
    return Feedback(item, attempt.correct, describe(item, attempt.response),
                    expected_answer(item), item.explanation, tuple(attempt.response))


# --- correct rates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRate:
    """One item's figures for a school: first attempts of distinct students."""

    item: ExerciseItem
    students: int | str
    correct_rate: float | str

    @property
    def suppressed(self) -> bool:
        """Fewer than 5 students: no figure is shown."""
        return self.students == FEW_STUDENTS


def item_rates(actor, exercise_set: ExerciseSet, school_id: int | None) -> list[ItemRate]:
    """Per item, the share of the school's students whose first answer was right.

    actor: staff of that school, or a district admin (school_id None: the whole district).
    Each item is counted on its own and no total is given, so a figure withheld under the
    "<5" rule cannot be worked out from the others.
    """
    if not policy.can_view_exercise_rates(actor, school_id):
        raise ExerciseForbidden("只有本校教师和管理员可以查看练习的正确率。")
    first: dict[tuple[int, int], bool] = {}
    query = (select(ExerciseAttempt.item_id, ExerciseAttempt.student_id, ExerciseAttempt.correct)
             .where(ExerciseAttempt.item_id.in_([i.id for i in exercise_set.items]))
             .order_by(ExerciseAttempt.id))
    if school_id is not None:
        query = query.where(ExerciseAttempt.school_id == school_id)
    for item_id, student_id, correct in db.session.execute(query):
        first.setdefault((item_id, student_id), correct)
    students, right = defaultdict(int), defaultdict(int)
    for (item_id, _), correct in first.items():
        students[item_id] += 1
        right[item_id] += int(correct)
    cells = {item.id: Cell(students[item.id], students[item.id]) for item in exercise_set.items}
    hidden = suppress(cells.values())  # items stand alone: no sum to protect
    rates = []
    for item in exercise_set.items:
        count = students[item.id]
        if cells[item.id] in hidden:
            rates.append(ItemRate(item, FEW_STUDENTS, FEW_STUDENTS))
        else:
            rates.append(ItemRate(item, count, round(right[item.id] / count, 3)))
    return rates


def kind_name(kind: str) -> str:
    """单选, 多选, 判断, 填空."""
    return KIND_NAMES.get(kind, kind)
