"""Catalog rules: finding, filtering and reading resources, topics and platforms."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app, has_app_context
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from hplearn.cache import catalog_cache
from hplearn.catalog.models import Platform, Resource, Topic
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.pagination import MAX_ID, InvalidParameter, Page, PageRequest
from hplearn.vocab import (
    GRADE_NAMES,
    RESOURCE_KINDS,
    SCHOOL_TYPE_ALL,
    SCHOOL_TYPE_GENERAL,
    SCHOOL_TYPES,
    STAGES,
    SUBJECTS,
    VOLUMES,
    ResourceStatus,
    canonical_subject,
    parse_grade,
)

MAX_FILTER_LENGTH = 100
FIVE_FOUR_SYSTEM = "五•四学制"
SORTS = {"recommended": "推荐", "newest": "最新发布", "title": "按标题", "popular": "最多浏览"}
# Sorts whose pages are cached per catalog generation: not "popular", whose view counts change
# without starting a new generation (hplearn.cache ignores them).
CACHED_SORTS = frozenset({"recommended", "newest", "title"})
MAX_CACHED_PAGE = 50
FACETS = ("stage", "grade", "subject", "topic", "kind", "edition", "volume", "school_type")


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
    volume: str | None = None
    # 普通, 盲校, 聋校, 培智学校, or 全部 (every school type); None: not chosen (the default applies).
    # A resource without a school type is for every school and matches any of them.
    school_type: str | None = None

    def as_args(self) -> dict:
        """The non-empty filters as query-string arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def chosen(self) -> dict:
        """The filters a user chose, without the school type every list starts with."""
        args = self.as_args()
        if args.get("school_type") == SCHOOL_TYPE_GENERAL:
            del args["school_type"]
        return args

    def search_args(self) -> dict:
        """The filters as search takes them (全部 school types is no filter)."""
        args = self.as_args()
        if args.get("school_type") == SCHOOL_TYPE_ALL:
            del args["school_type"]
        return args

    @property
    def school_type_filter(self) -> str | None:
        """The school type to keep, or None for every type."""
        return None if self.school_type in (None, SCHOOL_TYPE_ALL) else self.school_type


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
    volume = _text_arg(args, "volume")
    if volume and volume not in VOLUMES:
        raise InvalidParameter("volume", f"册次必须是：{'、'.join(VOLUMES)}。")
    school_type = _text_arg(args, "school_type")
    if school_type and school_type not in (*SCHOOL_TYPES, SCHOOL_TYPE_ALL):
        raise InvalidParameter(
            "school_type", f"学校类型必须是：{'、'.join((*SCHOOL_TYPES, SCHOOL_TYPE_ALL))}。")
    return ResourceFilters(
        stage=stage,
        grade=_grade_arg(args),
        subject=canonical_subject(subject) or subject,
        topic=_text_arg(args, "topic"),
        kind=kind,
        edition=_text_arg(args, "edition"),
        volume=volume,
        school_type=school_type,
    )


def default_school_type(user=None) -> str:
    """The school type lists show until one is chosen: the user's school's if it is a special
    school (盲校, 聋校, 培智学校), else 普通."""
    school = getattr(user, "school", None) if getattr(user, "is_authenticated", False) else None
    school_type = getattr(school, "school_type", None)
    return school_type if school_type in SCHOOL_TYPES else SCHOOL_TYPE_GENERAL


def with_default_school_type(filters: ResourceFilters, user=None) -> ResourceFilters:
    """filters with the user's default school type when none was chosen."""
    if filters.school_type:
        return filters
    return replace(filters, school_type=default_school_type(user))


def parse_sort(args, default: str = "newest") -> str:
    """Read the sort order (recommended, newest, title, popular); raise InvalidParameter on others."""
    sort = _text_arg(args, "sort") or default
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
    if filters.volume:
        query = query.where(Resource.volume == filters.volume)
    if filters.school_type_filter:
        query = query.where(or_(Resource.school_type == filters.school_type_filter,
                                Resource.school_type.is_(None), Resource.school_type == ""))
    if filters.topic:
        topic_ids = select(Topic.id).where(Topic.slug == filters.topic)
        query = query.where(Resource.topic_id.in_(topic_ids))
    return query


def _edition_rank():
    # Textbooks of the district's own editions first (统编版, then 人教版 and its 人教版（PEP）…).
    preferred = current_app.config.get("CATALOG_PREFERRED_EDITIONS", []) if has_app_context() else []
    whens = [(Resource.edition.startswith(edition, autoescape=True), rank)
             for rank, edition in enumerate(preferred)]
    rank = case(*whens, else_=len(preferred)) if whens else 0
    return case((Resource.kind == "textbook", rank), else_=-1)


def _recommended(query):
    # Resources made for students (newest first) before textbooks, which follow in school
    # order: preferred editions, grade (高中 books without one last), 上册 before 下册.
    is_textbook = Resource.kind == "textbook"
    volume_rank = case(*[(Resource.volume == v, i) for i, v in enumerate(VOLUMES)], else_=len(VOLUMES))
    # Tianjin schools follow the 六三学制: the 五•四学制 books come after the others.
    five_four = case((Resource.title.contains(FIVE_FOUR_SYSTEM, autoescape=True), 1), else_=0)
    grade = case((is_textbook, func.coalesce(Resource.grade, 99)), else_=0)
    return query.order_by(
        case((is_textbook, 1), else_=0), _edition_rank(), grade, five_four,
        case((is_textbook, volume_rank), else_=0),
        case((is_textbook, None), else_=Resource.published_at).desc(), Resource.id,
    )


def _ordered(query, sort: str):
    if sort == "recommended":
        return _recommended(query)
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
    sort = sort if sort in SORTS else "newest"
    if sort in CACHED_SORTS and page.page <= MAX_CACHED_PAGE:
        # The same few pages are asked for all evening: their ids come from the catalog cache
        # until the catalog changes, the rows themselves by primary key.
        key = "published-page:" + json.dumps(
            [filters.as_args(), sort, page.offset, page.per_page], ensure_ascii=False,
            sort_keys=True)
        found = catalog_cache().remember_json(key, lambda: _published_ids(filters, page, sort))
    else:
        found = _published_ids(filters, page, sort)
    return Page(items=published_by_ids(found["ids"]), total=found["total"], page=page.page,
                per_page=page.per_page)


def _published_ids(filters: ResourceFilters, page: PageRequest, sort: str) -> dict:
    published = Resource.status == ResourceStatus.PUBLISHED
    total = db.session.scalar(_filtered(select(func.count(Resource.id)).where(published), filters))
    if page.offset >= total:
        return {"total": total, "ids": []}
    ids = db.session.scalars(
        _ordered(_filtered(select(Resource.id).where(published), filters), sort)
        .offset(page.offset)
        .limit(page.per_page)
    )
    return {"total": total, "ids": list(ids)}


def published_by_ids(ids: list[int]) -> list[Resource]:
    """The published resources among ids, in the order of ids (with their topics)."""
    if not ids:
        return []
    rows = db.session.scalars(
        select(Resource).where(Resource.id.in_(ids), Resource.status == ResourceStatus.PUBLISHED)
        .options(joinedload(Resource.topic)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


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
    def newest_ids() -> list[int]:
        return list(db.session.scalars(
            select(Resource.id)
            .where(Resource.status == ResourceStatus.PUBLISHED, Resource.kind != "textbook")
            .order_by(Resource.published_at.desc(), Resource.id.desc())
            .limit(limit)
        ))

    return published_by_ids(catalog_cache().remember_json(f"newest-resources:{limit}", newest_ids))


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


class FacetRow(NamedTuple):
    """How many published resources share one combination of filter values."""

    stage: str | None
    grade: int | None
    subject: str | None
    topic: str | None
    kind: str | None
    edition: str | None
    volume: str | None
    school_type: str | None
    count: int


def catalog_facet_rows() -> list[FacetRow]:
    """Every combination of filter values among published resources, with counts (cached)."""
    # One grouped scan gives every combination of filter values; there are few enough
    # (hundreds for thousands of resources) to count each facet from them in Python. The scan
    # is cached until the catalog changes (the cache's generation), so browsing costs no scan
    # of the catalog per request.
    cache = catalog_cache()
    # Decoded once per process and generation: the rows are thousands at district scale.
    return cache.memo("catalog-facet-rows", lambda: tuple(
        FacetRow(*row) for row in cache.remember_json("catalog-facet-rows-v2", _scan_facet_rows)))


def _facet_value_counts(filters: ResourceFilters, names=FACETS) -> dict[str, dict]:
    """The counts of each facet among published resources under filters (kept per process
    and generation; at most a few hundred filter combinations)."""
    key = "facet-counts:" + json.dumps([filters.as_args(), list(names)], ensure_ascii=False,
                                       sort_keys=True)

    def compute() -> dict[str, dict]:
        rows = catalog_facet_rows()
        return _count_facets(rows, names, filters)

    return catalog_cache().memo(key, compute)


def _scan_facet_rows() -> list[list]:
    columns = (Resource.stage, Resource.grade, Resource.subject, Topic.slug, Resource.kind,
               Resource.edition, Resource.volume, Resource.school_type)
    query = (
        select(*columns, func.count())
        .outerjoin(Topic, Resource.topic_id == Topic.id)
        .where(Resource.status == ResourceStatus.PUBLISHED)
        .group_by(*columns)
    )
    return [list(row) for row in db.session.execute(query)]


def _row_matches(row: FacetRow, name: str, chosen) -> bool:
    if name == "school_type":
        # Resources without a school type are for every school.
        return chosen == SCHOOL_TYPE_ALL or row.school_type in (chosen, None, "")
    return getattr(row, name) == chosen


def _count_facets(rows, names, filters: ResourceFilters) -> dict[str, dict]:
    """Each facet of names counted under all the other filters, in one pass over the rows.

    A row that meets every chosen filter counts for every facet; a row that fails exactly one
    counts only for that one (choosing another value there would show it); others for none."""
    wanted = [(name, getattr(filters, name)) for name in FACETS if getattr(filters, name)]
    counts: dict[str, dict] = {name: {} for name in names}
    for_every_school = 0
    for row in rows:
        failed = [name for name, chosen in wanted if not _row_matches(row, name, chosen)]
        if not failed:
            targets = names
        elif len(failed) == 1 and failed[0] in counts:
            targets = failed
        else:
            continue
        for name in targets:
            value = getattr(row, name)
            if value not in (None, ""):
                bucket = counts[name]
                bucket[value] = bucket.get(value, 0) + row.count
            elif name == "school_type":
                for_every_school += row.count
    if "school_type" in counts:
        # What choosing a school type shows: its own resources and those for every school.
        counts["school_type"] = {value: count + for_every_school
                                 for value, count in counts["school_type"].items()}
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
    counts = _facet_value_counts(filters)
    topics = catalog_cache().memo("topic-labels", lambda: tuple(
        (topic.slug, topic.name) for topic in all_topics()))
    orders = {
        "stage": (STAGES, {}),
        "grade": (sorted(GRADE_NAMES), GRADE_NAMES),
        "subject": (SUBJECTS, {}),
        "topic": ([slug for slug, _ in topics], dict(topics)),
        "kind": (list(RESOURCE_KINDS), RESOURCE_KINDS),
        "edition": ((), {}),  # most used first
        "volume": (VOLUMES, {}),
        "school_type": (SCHOOL_TYPES, {}),
    }
    facets = {}
    for name in FACETS:
        order, labels = orders[name]
        facets[name] = _ordered_options(counts[name], order, labels)
        if name != "school_type" or filters.school_type != SCHOOL_TYPE_ALL:
            _keep_selected(facets[name], getattr(filters, name))
    return facets


def _keep_selected(options: list[FacetOption], selected) -> None:
    # A chosen value with no resources left must still show as chosen in its drop-down.
    if selected and all(option.value != selected for option in options):
        label = GRADE_NAMES.get(selected) or RESOURCE_KINDS.get(selected) or str(selected)
        options.insert(0, FacetOption(selected, label, 0))


def home_subjects(user=None) -> list[tuple[str, int]]:
    """The subjects of the user's default school type with their counts, in the national order."""
    filters = with_default_school_type(ResourceFilters(), user)
    counts = _facet_value_counts(filters, names=("subject",))["subject"]
    options = _ordered_options(counts, SUBJECTS, {})
    return [(option.value, option.count) for option in options]
