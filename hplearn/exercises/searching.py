"""Staff search of published exercise items (to reuse them), through hplearn.search."""

from __future__ import annotations

from hplearn import policy, search
from hplearn.exercises.models import KIND_LABELS
from hplearn.exercises.services import ExerciseForbidden
from hplearn.pagination import InvalidParameter, PageRequest, parse_page
from hplearn.vocab import canonical_subject, parse_grade

MAX_QUERY = 200


def parse_search(args) -> tuple[str, dict]:
    """The text and filters (kind, subject, grade) of an exercise search; 400 on bad values."""
    text = args.get("q") or ""
    if len(text) > MAX_QUERY:
        raise InvalidParameter("q", f"搜索内容太长（最多 {MAX_QUERY} 个字）。")
    filters = {}
    kind = (args.get("kind") or "").strip()
    if kind:
        if kind not in KIND_LABELS:
            raise InvalidParameter("kind", f"题型必须是：{'、'.join(KIND_LABELS)}。")
        filters["kind"] = kind
    subject = (args.get("subject") or "").strip()
    if subject:
        if canonical_subject(subject) is None:
            raise InvalidParameter("subject", "没有这个学科。")
        filters["subject"] = canonical_subject(subject)
    grade = (args.get("grade") or "").strip()
    if grade:
        number = parse_grade(grade) if len(grade) <= 10 else None
        if number is None:
            raise InvalidParameter("grade", "年级必须是 1 到 12，或“七年级”“初二”这样的名称。")
        filters["grade"] = str(number)
    return text, filters


def search_items(actor, text: str, filters: dict, page: PageRequest):
    """Published items matching the text, for staff (documents hold the answers)."""
    if not policy.can_search_exercises(actor):
        raise ExerciseForbidden("只有教师和管理员可以搜索练习题。")
    return search.query(text, doc_type="exercise", filters=filters, page=page)


def run_search(actor, args, config):
    """An exercise search from a request's arguments (page and API): (text, filters, results)."""
    text, filters = parse_search(args)
    page = parse_page(args, default_per_page=config["PER_PAGE"], max_per_page=config["MAX_PER_PAGE"])
    return text, filters, search_items(actor, text, filters, page)
