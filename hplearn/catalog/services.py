"""Catalog rules: finding, filtering and reading resources, topics and platforms."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hplearn.catalog.models import Platform, Resource, Topic
from hplearn.extensions import db
from hplearn.pagination import InvalidParameter, Page, PageRequest, parse_int
from hplearn.vocab import RESOURCE_KINDS, STAGES, canonical_subject

MAX_FILTER_LENGTH = 100
SORTS = ("newest", "title", "popular")


class CatalogError(Exception):
    """A request the catalog refuses; its message is shown to the user."""


class ResourceNotFound(CatalogError):
    """No such resource, or not one the caller may see."""


@dataclass(frozen=True)
class ResourceFilters:
    """Filters shared by /browse, /api/v1/resources and search."""

    stage: str | None = None
    grade: int | None = None
    subject: str | None = None
    topic: str | None = None
    kind: str | None = None
    edition: str | None = None

    def as_args(self) -> dict:
        """The non-empty filters as query-string arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _text_arg(args, name: str) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > MAX_FILTER_LENGTH:
        raise InvalidParameter(name, f"参数 {name} 太长。")
    return value or None


def parse_filters(args) -> ResourceFilters:
    """Read the resource filters from a query string; raise InvalidParameter on bad values."""
    stage = _text_arg(args, "stage")
    if stage and stage not in STAGES:
        raise InvalidParameter("stage", f"学段必须是：{'、'.join(STAGES)}。")
    kind = _text_arg(args, "kind")
    if kind and kind not in RESOURCE_KINDS:
        raise InvalidParameter("kind", f"类型必须是：{'、'.join(RESOURCE_KINDS)}。")
    subject = _text_arg(args, "subject")
    return ResourceFilters(
        stage=stage,
        grade=parse_int(args, "grade", minimum=1, maximum=12),
        subject=canonical_subject(subject) or subject,
        topic=_text_arg(args, "topic"),
        kind=kind,
        edition=_text_arg(args, "edition"),
    )


def _filtered(query, filters: ResourceFilters):
    if filters.stage:
        query = query.where(Resource.stage == filters.stage)
    if filters.grade:
        query = query.where(Resource.grade == filters.grade)
    if filters.subject:
        query = query.where(Resource.subject == filters.subject)
    if filters.kind:
        query = query.where(Resource.kind == filters.kind)
    if filters.edition:
        query = query.where(Resource.edition == filters.edition)
    if filters.topic:
        query = query.join(Topic).where(Topic.slug == filters.topic)
    return query


def _ordered(query, sort: str):
    if sort == "title":
        return query.order_by(Resource.title, Resource.id)
    if sort == "popular":
        return query.order_by(Resource.view_count.desc(), Resource.id.desc())
    return query.order_by(Resource.published_at.desc(), Resource.id.desc())


def published_resources(
    filters: ResourceFilters, page: PageRequest, sort: str = "newest"
) -> Page:
    """One page of published resources matching the filters.

    filters: what to keep.
    page: which slice.
    sort: newest (default), title or popular.
    """
    base = _filtered(select(Resource).where(Resource.status == "published"), filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    if page.offset >= total:
        return Page(items=[], total=total, page=page.page, per_page=page.per_page)
    rows = db.session.scalars(
        _ordered(base.options(selectinload(Resource.topic)), sort if sort in SORTS else "newest")
        .offset(page.offset)
        .limit(page.per_page)
    )
    return Page(items=list(rows), total=total, page=page.page, per_page=page.per_page)


def get_visible_resource(resource_id: int, user=None) -> Resource:
    """The resource with this id if the user may see it; raise ResourceNotFound otherwise."""
    from hplearn import policy

    resource = db.session.get(Resource, resource_id)
    if resource is None or not policy.can_view_resource(user, resource):
        raise ResourceNotFound("没有找到这个资源，它可能已下架。")
    return resource


def newest_resources(limit: int = 8) -> list[Resource]:
    """The most recently published resources (textbooks left out: they would crowd the list)."""
    query = (
        select(Resource)
        .options(selectinload(Resource.topic))
        .where(Resource.status == "published", Resource.kind != "textbook")
        .order_by(Resource.published_at.desc(), Resource.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def all_topics() -> list[Topic]:
    """Every topic, in display order."""
    return list(db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.id)))


def topic_by_slug(slug: str) -> Topic | None:
    """The topic with this slug, or None."""
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def all_platforms() -> list[Platform]:
    """Every platform, national first."""
    order = {"national": 0, "municipal": 1, "district": 2}
    platforms = list(db.session.scalars(select(Platform).order_by(Platform.sort_order)))
    return sorted(platforms, key=lambda p: (order.get(p.level, 9), p.sort_order, p.id))


def facet_values(column_name: str, filters: ResourceFilters | None = None) -> list[tuple]:
    """Distinct values of one column among published resources, with counts, most first."""
    column = getattr(Resource, column_name)
    conditions = [Resource.status == "published", column.is_not(None)]
    if column.type.python_type is str:
        conditions.append(column != "")
    query = select(column, func.count()).where(*conditions)
    if filters is not None:
        query = _filtered(query, filters)
    rows = db.session.execute(query.group_by(column).order_by(func.count().desc(), column))
    return [tuple(row) for row in rows]
