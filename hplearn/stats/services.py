"""Statistics reports: one school (S and the dashboard), one teacher, the whole district."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hplearn.accounts.models import School, User
from hplearn.extensions import db
from hplearn.stats.figures import (
    TOP_COUNT,
    Responses,
    SchoolTotals,
    cell,
    daily_rows,
    empty_breakdown,
    enrolled_students,
    group_responses,
    question_rows,
    rows_over,
    school_totals,
    target_minutes,
    top_resources,
    top_searches,
    usage_breakdown,
)
from hplearn.stats.models import QuestionDaily, QuestionMonthly, SchoolDaily, SubjectDaily, SubjectMonthly
from hplearn.stats.period import Period
from hplearn.stats.rollup import Sample
from hplearn.stats.suppression import HIDDEN, Cell, cells_in, publish, suppress
from hplearn.vocab import subject_order

# --- one school ----------------------------------------------------------------------------------


def _gather(schools, period: Period, *, breakdowns: bool = True) -> dict:
    """Everything a school's report needs, for several schools at once (a few queries, not a
    few per school). S and the dashboard read the same, so both hide the same figures.

    breakdowns: False for totals and Q&A only. Those come out the same: every breakdown adds
    up to its total over the same students, so the rule never hides a total for the sake of a
    breakdown (a hidden total is one of fewer than five students itself).
    """
    ids = [school.id for school in schools]
    questions = question_rows(ids, period)
    teachers = {row.teacher_id for rows in questions.values() for row in rows if row.teacher_id}
    data = {
        "totals": school_totals(ids, period),
        "enrolled": enrolled_students(ids),
        "questions": questions,
        "teacher_names": _teacher_names(teachers),
        "breakdowns": breakdowns,
        "daily": {}, "usage": {}, "resources": {}, "searches": {}, "zero_results": {},
    }
    if breakdowns:
        data.update(daily=daily_rows(ids, period), usage=usage_breakdown(ids, period),
                    resources=top_resources(ids, period), **top_searches(ids, period))
    return data


def school_stats(school: School, period: Period) -> dict:
    """S: the statistics of one school over the period, exactly as the API returns them."""
    return _school_report(school, period, _gather([school], period)).published["stats"]


def schools_stats(schools, period: Period) -> list[dict]:
    """S of each school."""
    data = _gather(schools, period)
    return [_school_report(school, period, data).published["stats"] for school in schools]


def school_report(school: School, period: Period) -> dict:
    """What the school dashboard and CSV show: S plus daily series and breakdowns."""
    return _school_report(school, period, _gather([school], period)).published


class Report:
    """A report's figures as cells, what the "<5" rule hides of them, and the published tree."""

    def __init__(self, tree: dict, groups: list, subjects: dict):
        self.hidden = suppress(cells_in(tree), groups)
        self.subjects = subjects  # {subject: its Q&A cells}, for the district's sums
        self.published = publish(tree, self.hidden)


def _school_report(school: School, period: Period, data: dict) -> Report:
    totals = data["totals"].get(school.id, SchoolTotals())
    target = target_minutes()
    rows = data["questions"].get(school.id, [])
    subjects = {subject: responses.figures(target) for subject, responses
                in group_responses(rows, lambda row: row.subject).items()}
    teachers = group_responses([r for r in rows if r.teacher_id], lambda r: r.teacher_id)
    usage = data["usage"].get(school.id, empty_breakdown())
    stats = _summary(school, period, totals, data["enrolled"].get(school.id, 0), target)
    resources = data["resources"].get(school.id, [])
    stats.update(
        top_resources=resources[:TOP_COUNT],
        top_searches=data["searches"].get(school.id, []),
        zero_result_searches=data["zero_results"].get(school.id, []),
        by_subject=_by_subject(usage["subject"], subjects),
    )
    tree = {
        "stats": stats,
        "daily": _daily_series(data["daily"].get(school.id, []), period) if data["breakdowns"] else [],
        "usage": usage,
        "subjects_qa": _qa_rows(subjects, _subject_label, order=subject_order),
        "teachers": _qa_rows(
            {key: responses.figures(target) for key, responses in teachers.items()},
            data["teacher_names"].get,
        ),
    }
    report = Report(tree, _school_groups(tree, len(resources) <= TOP_COUNT), subjects)
    _hidden_last(report.published)
    return report


def _summary(school: School, period: Period, totals: SchoolTotals, enrolled: int,
             target: int) -> dict:
    return {
        "school": school.code,
        "school_name": school.name,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "enrolled_students": cell(enrolled, enrolled),
        "active_students": cell(totals.active_students, totals.active_students),
        "views": cell(totals.views, totals.view_sample),
        "watch_minutes": cell(round(totals.watch_seconds / 60), totals.watch_sample),
        "searches": cell(totals.searches, totals.search_sample),
        "zero_result_search_count": cell(totals.zero_result_searches, totals.search_sample),
        "questions": totals.questions.figures(target),
    }


def _school_groups(tree: dict, all_resources: bool) -> list[list]:
    """Every sum a reader of the dashboard, CSV or API can check: parts, then their total.

    all_resources: whether the top resources are every resource viewed (then they add up to
    the views; a longer list leaves the rest unknown).
    """
    stats, questions = tree["stats"], tree["stats"]["questions"]
    groups = []
    for rows in tree["usage"].values():
        groups += [[row["views"] for row in rows] + [stats["views"]],
                   [row["watch_minutes"] for row in rows] + [stats["watch_minutes"]]]
    groups.append([day["views"] for day in tree["daily"]] + [stats["views"]])
    if all_resources:
        groups.append([item["views"] for item in stats["top_resources"]] + [stats["views"]])
    for rows in (tree["subjects_qa"], tree["teachers"]):
        for key in ("answered", "answered_within_target"):
            groups.append([row[key] for row in rows] + [questions[key]])
    groups.append([row["asked"] for row in tree["subjects_qa"]] + [questions["asked"]])
    return groups


def _hidden_last(report: dict) -> None:
    """Re-rank lists once the rule has spoken: hidden entries last, so their place in the
    order tells nothing about them."""
    for rows in report["usage"].values():
        rows.sort(key=lambda row: (*_rank(row["views"]), row["label"]))
    report["stats"]["top_resources"].sort(key=lambda item: _rank(item["views"]))


def _rank(value) -> tuple:
    return (1, 0) if value == HIDDEN else (0, -value)


def _by_subject(usage: list[dict], questions: dict) -> list[dict]:
    subjects = {row["key"]: row for row in usage}
    nobody = {"asked": Cell(0), "answered": Cell(0)}
    entries = []
    for subject in list(subjects) + [s for s in questions if s not in subjects]:
        figures = questions.get(subject, nobody)
        entries.append({
            "subject": subject,
            "views": subjects[subject]["views"] if subject in subjects else 0,
            "asked": figures["asked"],
            "answered": figures["answered"],
        })
    return entries


def _subject_label(subject) -> str:
    return subject or "未分学科"


def _teacher_names(ids) -> dict:
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(set(ids)))
    return dict(db.session.execute(query).all())


def _qa_rows(figures: dict, label, order=None) -> list[dict]:
    rows = [{"label": label(key) or f"#{key}", **cells} for key, cells in figures.items()]
    # Subjects in the national order (语文, 数学, 英语 first); teachers by name.
    rows.sort(key=lambda row: order(row["label"]) if order else row["label"])
    return rows


def _daily_series(rows, period: Period) -> list[dict]:
    by_day = {day: (active, weekly, views, sample) for day, active, weekly, views, sample in rows}
    series = []
    for offset in range(period.days):
        day = period.first + timedelta(days=offset)
        active, weekly, views, sample = by_day.get(day, (0, 0, 0, ""))
        series.append({
            "day": day.isoformat(),
            "active_students": cell(active, active),
            "weekly_active_students": cell(weekly, weekly),
            "views": cell(views, Sample(sample)),
        })
    return series


# --- one teacher ----------------------------------------------------------------------------------


def teacher_report(teacher: User, period: Period) -> dict:
    """A teacher's own first-response figures, overall and per subject."""
    rows = list(rows_over(QuestionDaily, QuestionMonthly, RESPONSE_COLUMNS, period,
                          lambda model: model.teacher_id == teacher.id))
    target = target_minutes()
    overall = Responses()
    for row in rows:
        overall.add(0, row.answered, row.response_minutes, row.asked_sample, row.answered_sample)
    subjects = _qa_rows({subject: responses.figures(target) for subject, responses
                         in group_responses(rows, lambda r: r.subject).items()}, _subject_label,
                        order=subject_order)
    tree = {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "overall": overall.figures(target), "subjects": subjects}
    groups = [[row[key] for row in subjects] + [tree["overall"][key]]
              for key in ("answered", "answered_within_target")]
    return Report(tree, groups, {}).published


# --- the district -----------------------------------------------------------------------------


def all_schools() -> list[School]:
    """Every school, by code."""
    return list(db.session.scalars(select(School).order_by(School.code)))


def district_stats(period: Period) -> dict:
    """{"from", "to", "schools": [S…]}: every school's S."""
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "schools": schools_stats(all_schools(), period),
    }


def _per_student(value, enrolled):
    if HIDDEN in (value, enrolled):
        return HIDDEN  # a ratio and one of its terms would give the other away
    return round(value / enrolled, 2) if enrolled else None


def district_report(period: Period) -> dict:
    """The district dashboard: schools side by side (least use first) and slowest subjects.

    Each school's figures are its S (hidden alike); the district's subject figures are hidden
    as well wherever they and the schools' shown subject figures would give a hidden one away.
    """
    schools = all_schools()
    data = _gather(schools, period, breakdowns=False)
    reports = [_school_report(school, period, data) for school in schools]
    entries = [_district_entry(report.published["stats"]) for report in reports]
    entries.sort(key=lambda e: (_sortable(e["views_per_student"]), e["code"]))
    target = target_minutes()
    figures = {subject: responses.figures(target)
               for subject, responses in _subject_responses(period).items()}
    groups = _district_groups(figures, reports)
    subjects = Report(_qa_rows(figures, _subject_label, order=subject_order), groups, {}).published
    subjects.sort(key=lambda s: -_sortable(s["median_first_response_minutes"]))
    return {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "schools": entries, "subjects": subjects, "target_minutes": target,
            "total": _district_total(entries, period, target)}


TOTALLED = ("enrolled_students", "active_students", "views", "watch_minutes", "searches")


def _column_sum(values: list):
    # A total beside a hidden school figure would give that figure away (total − the others),
    # so a column with any hidden cell has no total.
    return HIDDEN if HIDDEN in values else sum(value or 0 for value in values)


def _district_total(entries: list[dict], period: Period, target: int) -> dict:
    """The district's row under the schools: sums where no school figure is hidden."""
    total = {key: _column_sum([entry[key] for entry in entries]) for key in TOTALLED}
    enrolled = total["enrolled_students"]
    total.update(
        active_share=_per_student(total["active_students"], enrolled),
        views_per_student=_per_student(total["views"], enrolled),
        watch_minutes_per_student=_per_student(total["watch_minutes"], enrolled),
    )
    everything = group_responses(rows_over(SubjectDaily, SubjectMonthly, RESPONSE_COLUMNS, period),
                                 lambda row: "all").get("all")
    overall = everything.figures(target) if everything else {}
    questions = {key: _column_sum([entry["questions"][key] for entry in entries]) for key in SUMMED}
    # A median is not a sum: the district's comes from every question, with its own "<5" rule.
    median = overall.get("median_first_response_minutes")
    questions["median_first_response_minutes"] = publish(median, suppress([median])) if median else None
    total["questions"] = questions
    return total


SUMMED = ("asked", "answered", "answered_within_target")


def _district_groups(figures: dict, reports: list) -> list[list]:
    """Per subject, every school's figure (as that school shows it) and the district's; and
    the district's subjects, whose sum is the sum of the schools' totals."""
    groups = []
    for subject, cells in figures.items():
        for key in SUMMED:
            parts = [_as_shown(report, report.subjects[subject][key])
                     for report in reports if subject in report.subjects]
            groups.append([*parts, cells[key]])
    for key in SUMMED:
        totals = [report.published["stats"]["questions"][key] for report in reports]
        if totals and HIDDEN not in totals:
            groups.append([cells[key] for cells in figures.values()] + [Cell(sum(totals), hidden=False)])
    return groups


def _as_shown(report: Report, figure: Cell) -> Cell:
    """A school's cell as its own report decided it, for sums across schools."""
    return Cell(figure.value, figure.people, hidden=figure in report.hidden)


def _sortable(value) -> float:
    return value if isinstance(value, (int, float)) else -1


RESPONSE_COLUMNS = ("subject", "asked", "answered", "response_minutes", "asked_sample",
                    "answered_sample")


def _subject_responses(period: Period) -> dict:
    rows = rows_over(SubjectDaily, SubjectMonthly, RESPONSE_COLUMNS, period)
    return group_responses(rows, lambda row: row.subject)


def _district_entry(stats: dict) -> dict:
    enrolled = stats["enrolled_students"]
    return {
        "code": stats["school"],
        "name": stats["school_name"],
        "enrolled_students": enrolled,
        "active_students": stats["active_students"],
        "active_share": _per_student(stats["active_students"], enrolled),
        "views": stats["views"],
        "views_per_student": _per_student(stats["views"], enrolled),
        "watch_minutes": stats["watch_minutes"],
        "watch_minutes_per_student": _per_student(stats["watch_minutes"], enrolled),
        "searches": stats["searches"],
        "questions": stats["questions"],
    }


def last_rollup_at():
    """When the newest rollup row was built, or None."""
    # The newest row is the last built (ids only grow); no scan of the whole table.
    return db.session.scalar(select(SchoolDaily.built_at).order_by(SchoolDaily.id.desc()).limit(1))
