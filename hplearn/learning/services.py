"""A student's learning loop: 收藏, 最近学习 (resumable), the grade home page, related resources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hplearn import policy, search
from hplearn.cache import catalog_cache
from hplearn.catalog import services as catalog
from hplearn.catalog.models import Resource
from hplearn.contributions.review import PART_RESOURCE_TYPE
from hplearn.errors import DomainError, Forbidden, Invalid
from hplearn.extensions import db
from hplearn.learning.models import Favourite, StudyVisit
from hplearn.media.models import PlaybackPosition
from hplearn.timeutil import utcnow
from hplearn.vocab import parse_grade

MAX_PDF_PAGE = 5000
RECENT_LIMIT = 12
FAVOURITES_LIMIT = 200
RELATED_LIMIT = 6


class LearningError(DomainError):
    """A request the learning rules refuse."""


class LearningForbidden(LearningError, Forbidden):
    """Only students keep a learning record."""


class GradeInvalid(LearningError, Invalid):
    """Not a grade."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message, "grade")


class PageInvalid(LearningError, Invalid):
    """Not a page number."""

    def __init__(self, message: str):
        super().__init__(message, "page")


def _student(user) -> None:
    if not policy.can_keep_learning_record(user):
        raise LearningForbidden("收藏和学习记录只为学生账号保存。")


# --- favourites ------------------------------------------------------------------------------


def _favourite(user, resource_id: int) -> Favourite | None:
    return db.session.scalar(select(Favourite).where(Favourite.user_id == user.id,
                                                     Favourite.resource_id == resource_id))


def add_favourite(user, resource_id: int) -> Favourite:
    """Keep a resource the student may see (idempotent)."""
    _student(user)
    resource = catalog.get_visible_resource(resource_id, user)
    favourite = _favourite(user, resource.id)
    if favourite is None:
        favourite = Favourite(user_id=user.id, resource_id=resource.id)
        db.session.add(favourite)
        try:
            db.session.commit()
        except IntegrityError:  # the same click twice at once: the other one kept it
            db.session.rollback()
            favourite = _favourite(user, resource.id)
    return favourite


def remove_favourite(user, resource_id: int) -> None:
    """Stop keeping a resource (nothing happens if it was not kept)."""
    _student(user)
    favourite = _favourite(user, resource_id) if 1 <= resource_id <= catalog.MAX_ID else None
    if favourite is not None:
        db.session.delete(favourite)
        db.session.commit()


def is_favourite(user, resource: Resource) -> bool:
    """Whether the student keeps this resource."""
    return policy.can_keep_learning_record(user) and _favourite(user, resource.id) is not None


def favourites(user, limit: int = FAVOURITES_LIMIT) -> list[Resource]:
    """The resources the student keeps and may still see, last kept first."""
    _student(user)
    rows = db.session.scalars(select(Favourite).where(Favourite.user_id == user.id)
                              .order_by(Favourite.id.desc()).limit(limit))
    return [row.resource for row in rows if policy.can_view_resource(user, row.resource)]


# --- 最近学习 ---------------------------------------------------------------------------------


def _visit(user_id: int, resource_id: int) -> StudyVisit | None:
    return db.session.scalar(select(StudyVisit).where(StudyVisit.user_id == user_id,
                                                      StudyVisit.resource_id == resource_id))


def _touch(user_id: int, resource_id: int, pdf_page: int | None = None) -> StudyVisit:
    visit = _visit(user_id, resource_id)
    if visit is None:
        visit = StudyVisit(user_id=user_id, resource_id=resource_id, visits=0)
        db.session.add(visit)
    if pdf_page is None:
        visit.visits = (visit.visits or 0) + 1
    else:
        visit.pdf_page = pdf_page
    visit.last_seen_at = utcnow()
    return visit


def _stored(user_id: int, resource_id: int, pdf_page: int | None = None) -> StudyVisit:
    try:
        visit = _touch(user_id, resource_id, pdf_page)
        db.session.commit()
    except IntegrityError:  # two first visits at once (two tabs): the other made the row
        db.session.rollback()
        visit = _touch(user_id, resource_id, pdf_page)
        db.session.commit()
    return visit


def record_visit(user, resource: Resource) -> None:
    """A student opened a resource page: it goes to the top of 最近学习."""
    if policy.can_keep_learning_record(user):
        _stored(user.id, resource.id)


def parse_page_number(value) -> int:
    """A PDF page number from a form or JSON: 1 to 5000."""
    if isinstance(value, str) and value.strip().isdecimal() and len(value) < 8:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PageInvalid("页码必须是整数，例如 12。")
    page = value
    if not 1 <= page <= MAX_PDF_PAGE:
        raise PageInvalid(f"页码要在 1 到 {MAX_PDF_PAGE} 之间。")
    return page


def save_pdf_page(user, resource_id: int, value) -> StudyVisit:
    """Remember the page a student stopped at in a PDF document, to open it there next time."""
    _student(user)
    resource = catalog.get_visible_resource(resource_id, user)
    if resource.kind != "document" or resource.media_id is None:
        raise PageInvalid("只有 PDF 文档可以记住页码。")
    return _stored(user.id, resource.id, parse_page_number(value))


def pdf_page(user, resource: Resource) -> int | None:
    """The page the student stopped at in this document, if they said."""
    if not policy.can_keep_learning_record(user):
        return None
    visit = _visit(user.id, resource.id)
    return visit.pdf_page if visit else None


@dataclass(frozen=True)
class RecentItem:
    """One line of 最近学习: the resource, when, and where to pick up."""

    resource: Resource
    last_seen_at: datetime
    video_seconds: float | None
    pdf_page: int | None


def recent(user, limit: int = RECENT_LIMIT) -> list[RecentItem]:
    """What the student studied last, newest first, with the video position or PDF page."""
    _student(user)
    visits = list(db.session.scalars(
        select(StudyVisit).where(StudyVisit.user_id == user.id)
        .order_by(StudyVisit.last_seen_at.desc(), StudyVisit.id.desc()).limit(limit * 2)))
    visible = [v for v in visits if policy.can_view_resource(user, v.resource)][:limit]
    media_ids = [v.resource.media_id for v in visible if v.resource.media_id]
    positions = dict(db.session.execute(
        select(PlaybackPosition.media_id, PlaybackPosition.seconds)
        .where(PlaybackPosition.user_id == user.id, PlaybackPosition.media_id.in_(media_ids))).all()
    ) if media_ids else {}
    return [RecentItem(v.resource, v.last_seen_at,
                       positions.get(v.resource.media_id) if v.resource.kind == "video" else None,
                       v.pdf_page) for v in visible]


# --- related resources ------------------------------------------------------------------------


def related(resource: Resource, limit: int = RELATED_LIMIT, exclude_ids=()) -> list[Resource]:
    """Resources from the search index like this one: same textbook (unit words in the text),
    same grade and subject, then same topic; never a hand-made list.

    exclude_ids: resources the page lists already (a package's own parts).
    """
    # The same for every visitor until the catalog changes: the ids come from the catalog
    # cache, the rows by primary key.
    key = f"related:{resource.id}:{limit}:{sorted(set(exclude_ids))}"
    ids = catalog_cache().remember_json(
        key, lambda: [found.id for found in _related(resource, limit, exclude_ids)])
    return catalog.published_by_ids(ids)


def _related(resource: Resource, limit: int, exclude_ids) -> list[Resource]:
    text = " ".join([resource.title, *(resource.tags or [])])
    tiers = []
    if resource.subject:
        tiers.append({"subject": resource.subject, "grade": resource.grade,
                      "edition": resource.edition})
        tiers.append({"subject": resource.subject, "grade": resource.grade})
    if resource.topic is not None:
        tiers.append({"topic": resource.topic.slug})
    found: list[Resource] = []
    for filters in tiers:
        exclude = (resource.id, *exclude_ids, *(r.id for r in found))
        found += search.similar(text, doc_type="resource", limit=limit - len(found),
                                filters=filters, exclude_ids=exclude)
        if len(found) >= limit:
            break
    return found[:limit]


# --- the grade home page ----------------------------------------------------------------------


def home_grade(user, requested) -> int | None:
    """The grade the home page is for: the one asked for, else a student's own."""
    if requested not in (None, ""):
        grade = parse_grade(requested) if len(str(requested)) <= 10 else None
        if grade is None:
            raise GradeInvalid("年级必须是 1 到 12，或“七年级”“初二”这样的名称。")
        return grade
    return getattr(user, "grade", None) if policy.is_student(user) else None


def grade_resources(grade: int | None, limit: int = 12) -> list[Resource]:
    """The newest published resources of a grade (or of all grades). Textbooks and the parts of
    lesson packages are left out: one per book, or four per package, would crowd the list."""
    query = (select(Resource)
             .where(Resource.status == "published", Resource.kind != "textbook",
                    Resource.resource_type.is_distinct_from(PART_RESOURCE_TYPE))
             .order_by(Resource.published_at.desc(), Resource.id.desc()).limit(limit))
    if grade is not None:
        query = query.where(Resource.grade == grade)
    return list(db.session.scalars(query))
