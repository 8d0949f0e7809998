"""Catalog rules: finding, filtering and reading resources, topics and platforms."""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from hplearn.cache import catalog_cache
from hplearn.catalog.models import Platform, Resource, Topic
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.pagination import MAX_ID, InvalidParameter, Page, PageRequest
from hplearn.vocab import (
    GRADE_NAMES,
    RESOURCE_KINDS,
    STAGES,
    SUBJECTS,
    ResourceStatus,
    canonical_subject,
    parse_grade,
)

MAX_FILTER_LENGTH = 100
SORTS = {"newest": "最新发布", "title": "按标题", "popular": "最多浏览"}
FACETS = ("stage", "grade", "subject", "topic", "kind", "edition")


class CatalogError(DomainError):
    """A request the catalog refuses; its message is shown to the user."""


class ResourceNotFound(CatalogError):
    """No such resource, or not one the caller may see."""

    status = 404
    code = "not_found"


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


@dataclass(frozen=True)
class FacetOption:
    """One value of a filter with its display label and how many resources have it."""

    value: str | int
    label: str
    count: int


def _has_control_characters(text: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def _text_arg(args, name: str) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > MAX_FILTER_LENGTH:
        raise InvalidParameter(name, f"参数 {name} 太长（最多 {MAX_FILTER_LENGTH} 个字符）。")
    if _has_control_characters(value):
        raise InvalidParameter(name, f"参数 {name} 含有不允许的控制字符。")
    return value or None


def _grade_arg(args) -> int | None:
    text = _text_arg(args, "grade")
    if text is None:
        return None
    grade = parse_grade(text)
    if grade is None:
        raise InvalidParameter("grade", "年级必须是 1 到 12 的数字，或“七年级”“初二”这样的名称。")
    return grade


def parse_filters(args) -> ResourceFilters:
    """Read the resource filters from a query string; raise InvalidParameter on bad values.

    args: a mapping such as request.args; unknown keys are ignored, repeated keys use the first.
    """
    stage = _text_arg(args, "stage")
    if stage and stage not in STAGES:
        raise InvalidParameter("stage", f"学段必须是：{'、'.join(STAGES)}。")
    kind = _text_arg(args, "kind")
    if kind and kind not in RESOURCE_KINDS:
        raise InvalidParameter("kind", f"类型必须是：{'、'.join(RESOURCE_KINDS)}。")
    subject = _text_arg(args, "subject")
    return ResourceFilters(
        stage=stage,
        grade=_grade_arg(args),
        subject=canonical_subject(subject) or subject,
        topic=_text_arg(args, "topic"),
        kind=kind,
        edition=_text_arg(args, "edition"),
    )


def parse_sort(args) -> str:
    """Read the sort order (newest, title, popular); raise InvalidParameter on others."""
    sort = _text_arg(args, "sort") or "newest"
    if sort not in SORTS:
        raise InvalidParameter("sort", f"排序方式必须是：{'、'.join(SORTS)}。")
    return sort


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
        topic_ids = select(Topic.id).where(Topic.slug == filters.topic)
        query = query.where(Resource.topic_id.in_(topic_ids))
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
    published = Resource.status == ResourceStatus.PUBLISHED
    base = _filtered(select(Resource).where(published), filters)
    total = db.session.scalar(_filtered(select(func.count(Resource.id)).where(published), filters))
    if page.offset >= total:
        return Page(items=[], total=total, page=page.page, per_page=page.per_page)
    rows = db.session.scalars(
        _ordered(base, sort if sort in SORTS else "newest")
        .options(joinedload(Resource.topic))
        .offset(page.offset)
        .limit(page.per_page)
    )
    return Page(items=list(rows), total=total, page=page.page, per_page=page.per_page)


def get_visible_resource(resource_id: int, user=None) -> Resource:
    """The resource with this id if the user may see it; raise ResourceNotFound otherwise.

    resource_id: any integer (out-of-range ids are simply not found).
    user: the acting user, possibly anonymous.
    """
    from hplearn import policy

    resource = db.session.get(Resource, resource_id) if 1 <= resource_id <= MAX_ID else None
    if resource is None or not policy.can_view_resource(user, resource):
        raise ResourceNotFound("没有找到这个资源，它可能已下架。")
    return resource


def newest_resources(limit: int = 8) -> list[Resource]:
    """The most recently published resources (textbooks left out: they would crowd the list)."""
    query = (
        select(Resource)
        .where(Resource.status == ResourceStatus.PUBLISHED, Resource.kind != "textbook")
        .options(joinedload(Resource.topic))
        .order_by(Resource.published_at.desc(), Resource.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def all_topics() -> list[Topic]:
    """Every topic, in display order."""
    return list(db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.id)))


def topic_by_slug(slug: str) -> Topic | None:
    """The topic with this slug, or None (also for slugs no topic could have)."""
    if not slug or len(slug) > 64 or _has_control_characters(slug):
        return None
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def all_platforms() -> list[Platform]:
    """Every platform, national first."""
    order = {"national": 0, "municipal": 1, "district": 2}
    platforms = list(db.session.scalars(
        select(Platform).where(Platform.hidden.is_(False)).order_by(Platform.sort_order)))
    return sorted(platforms, key=lambda p: (order.get(p.level, 9), p.sort_order, p.id))


def _host(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def platform_for_url(url: str | None) -> Platform | None:
    """The platform whose address has the same host as url (or a parent domain of it), or None."""
    host = _host(url)
    if not host:
        return None
    best = None
    listed = select(Platform).where(Platform.url.is_not(None), Platform.hidden.is_(False))
    for platform in db.session.scalars(listed):
        platform_host = _host(platform.url)
        matches = platform_host and (host == platform_host or host.endswith("." + platform_host))
        # The most specific host wins: basic.smartedu.cn over smartedu.cn.
        if matches and (best is None or len(platform_host) > len(_host(best.url))):
            best = platform
    return best


def facet_values(column_name: str, filters: ResourceFilters | None = None) -> list[tuple]:
    """Distinct values of one column among published resources, with counts, most first."""
    column = getattr(Resource, column_name)
    conditions = [Resource.status == ResourceStatus.PUBLISHED, column.is_not(None)]
    if column.type.python_type is str:
        conditions.append(column != "")
    query = select(column, func.count()).where(*conditions)
    if filters is not None:
        query = _filtered(query, filters)
    rows = db.session.execute(query.group_by(column).order_by(func.count().desc(), column))
    return [tuple(row) for row in rows]


def _facet_rows() -> list[tuple]:
    # One grouped scan gives every combination of filter values; there are few enough
    # (hundreds for thousands of resources) to count each facet from them in Python. The scan
    # is cached until the catalog changes (the cache's generation), so browsing costs no scan
    # of the catalog per request.
    rows = catalog_cache().remember_json("catalog-facet-rows", _scan_facet_rows)
    return [tuple(row) for row in rows]


def _scan_facet_rows() -> list[list]:
    query = (
        select(Resource.stage, Resource.grade, Resource.subject, Topic.slug, Resource.kind,
               Resource.edition, func.count())
        .outerjoin(Topic, Resource.topic_id == Topic.id)
        .where(Resource.status == ResourceStatus.PUBLISHED)
        .group_by(Resource.stage, Resource.grade, Resource.subject, Topic.slug, Resource.kind,
                  Resource.edition)
    )
    return [list(row) for row in db.session.execute(query)]


def _count_facet(rows, position: int, filters: ResourceFilters) -> dict:
    wanted = [(i, getattr(filters, name)) for i, name in enumerate(FACETS)
              if i != position and getattr(filters, name)]
    counts: dict = {}
    for row in rows:
        value = row[position]
        if value not in (None, "") and all(row[i] == chosen for i, chosen in wanted):
            counts[value] = counts.get(value, 0) + row[-1]
    return counts


def _ordered_options(counts: dict, order, labels: dict) -> list[FacetOption]:
    rank = {value: index for index, value in enumerate(order)}
    ordered = sorted(counts, key=lambda v: (rank.get(v, len(rank)), -counts[v], str(v)))
    return [FacetOption(value, labels.get(value, str(value)), counts[value]) for value in ordered]


def facet_counts(filters: ResourceFilters) -> dict[str, list[FacetOption]]:
    """For each filter, its values among published resources with counts.

    filters: the filters in force; each facet is counted under all the others, so choosing
    a value never hides the alternatives to it.
    """
    rows = _facet_rows()
    topics = all_topics()
    orders = {
        "stage": (STAGES, {}),
        "grade": (sorted(GRADE_NAMES), GRADE_NAMES),
        "subject": (SUBJECTS, {}),
        "topic": ([t.slug for t in topics], {t.slug: t.name for t in topics}),
        "kind": (list(RESOURCE_KINDS), RESOURCE_KINDS),
        "edition": ((), {}),  # most used first
    }
    facets = {}
    for position, name in enumerate(FACETS):
        order, labels = orders[name]
        facets[name] = _ordered_options(_count_facet(rows, position, filters), order, labels)
        _keep_selected(facets[name], getattr(filters, name))
    return facets


def _keep_selected(options: list[FacetOption], selected) -> None:
    # A chosen value with no resources left must still show as chosen in its drop-down.
    if selected and all(option.value != selected for option in options):
        label = GRADE_NAMES.get(selected) or RESOURCE_KINDS.get(selected) or str(selected)
        options.insert(0, FacetOption(selected, label, 0))
