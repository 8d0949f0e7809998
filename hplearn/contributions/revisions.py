"""Every saved state of a contribution, kept as a snapshot and compared as readable text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import select

from hplearn.catalog.models import Topic
from hplearn.contributions.models import PART_ROLES, Contribution, ContributionRevision
from hplearn.exercises.models import ExerciseSet
from hplearn.extensions import db
from hplearn.media.models import Media
from hplearn.vocab import grade_label

FIELD_LABELS = (
    ("title", "标题"), ("summary", "简介"), ("stage", "学段"), ("grade", "年级"),
    ("subject", "学科"), ("edition", "版本"), ("volume", "册次"), ("unit", "单元"),
    ("topic", "专题"),
)
DIFF_CONTEXT = 2


def snapshot(contribution: Contribution) -> dict:
    """The contribution's content as plain data (what a revision keeps)."""
    topic = db.session.get(Topic, contribution.topic_id) if contribution.topic_id else None
    data = {
        "title": contribution.title, "summary": contribution.summary,
        "stage": contribution.stage, "grade": grade_label(contribution.grade),
        "subject": contribution.subject, "edition": contribution.edition,
        "volume": contribution.volume, "unit": contribution.unit,
        "topic": topic.name if topic else None, "parts": {},
    }
    for part in contribution.parts:
        media = db.session.get(Media, part.media_id) if part.media_id else None
        exercises = db.session.get(ExerciseSet, part.exercise_set_id) if part.exercise_set_id else None
        data["parts"][part.role] = {
            "title": part.title, "body": part.body,
            "file": f"{media.original_name}（{media.size} 字节，{media.sha256[:8]}）" if media else None,
            "exercises": exercises.source if exercises else None,
        }
    return data


def save_revision(actor, contribution: Contribution) -> ContributionRevision | None:
    """Keep the present state as a new revision, unless it is the same as the last one."""
    data = snapshot(contribution)
    last = db.session.scalar(
        select(ContributionRevision).where(ContributionRevision.contribution_id == contribution.id)
        .order_by(ContributionRevision.number.desc()).limit(1))
    if last is not None and last.snapshot == data:
        return None
    number = (last.number if last else 0) + 1
    revision = ContributionRevision(contribution_id=contribution.id, number=number,
                                    author_id=actor.id, snapshot=data)
    db.session.add(revision)
    contribution.revision = number
    return revision


def as_text(data: dict) -> list[str]:
    """A snapshot as the lines a reviewer reads (and the diff compares)."""
    lines = [f"{label}：{data.get(key) or ''}" for key, label in FIELD_LABELS if key != "summary"]
    lines += ["简介：", *(data.get("summary") or "").splitlines()]
    for role, label in PART_ROLES.items():
        part = (data.get("parts") or {}).get(role)
        if part is None:
            continue
        lines.append(f"【{label}】{part.get('title') or ''}")
        if part.get("file"):
            lines.append(f"文件：{part['file']}")
        lines += (part.get("body") or "").splitlines()
        lines += (part.get("exercises") or "").splitlines()
    return lines


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: op is "+" (added), "-" (removed), " " (same) or "@" (a gap)."""

    op: str
    text: str


def diff(older: dict | None, newer: dict) -> list[DiffLine]:
    """What changed from one snapshot to the next, as difflib's unified diff without headers."""
    before = as_text(older) if older is not None else []
    lines = difflib.unified_diff(before, as_text(newer), lineterm="", n=DIFF_CONTEXT)
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            result.append(DiffLine("@", ""))
        else:
            result.append(DiffLine(line[:1], line[1:]))
    return result


def revision(contribution: Contribution, number: int) -> ContributionRevision | None:
    """The contribution's revision with this number, or None."""
    return next((r for r in contribution.revisions if r.number == number), None)


def diff_between(contribution: Contribution, number: int, against: int | None = None):
    """The change revision `number` made (against the one before it, or `against`)."""
    newer = revision(contribution, number)
    if newer is None:
        return None
    base = revision(contribution, against if against is not None else number - 1)
    return diff(base.snapshot if base else None, newer.snapshot)
