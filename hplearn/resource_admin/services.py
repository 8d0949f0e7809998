"""Resource management by admins: create, edit, publish, retire — each one audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from hplearn import policy
from hplearn.audit.services import record
from hplearn.catalog.models import DEFAULT_SOURCE, Resource, Topic
from hplearn.catalog.services import CatalogError, ResourceNotFound
from hplearn.extensions import db
from hplearn.media.models import MEDIA_KINDS, Media
from hplearn.pagination import Page, PageRequest, paginate
from hplearn.timeutil import utcnow
from hplearn.vocab import RESOURCE_KINDS, RESOURCE_STATUSES, ResourceStatus

EDITABLE_FIELDS = (
    "title", "summary", "body", "kind", "stage", "grade", "subject", "edition", "volume",
    "topic_id", "tags", "url", "media_id", "caption_ids",
)
# Which uploaded kind a resource kind plays.
MEDIA_FOR_KIND = {"video": "video", "document": "document"}


class ResourceForbidden(CatalogError):
    """The admin may see the resource but not change it."""

    status = 403
    code = "forbidden"


class ResourceInvalid(CatalogError):
    """A field is wrong; field names which one."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AdminFilters:
    """Filters of the admin resource list."""

    status: str | None = None
    kind: str | None = None
    q: str | None = None


def get_editable_resource(resource_id: int, actor) -> Resource:
    """The resource if the admin may change it: 404 if they may not see it, else 403."""
    resource = db.session.get(Resource, resource_id)
    if resource is None or not policy.can_view_resource(actor, resource):
        raise ResourceNotFound("没有找到这个资源。")
    if not policy.can_edit_resource(actor, resource):
        raise ResourceForbidden("你不能修改这个资源（它属于其他学校或全区）。")
    return resource


def _owned_media(actor, media_id: int | None, kind: str, field: str) -> Media | None:
    if media_id is None:
        return None
    media = db.session.get(Media, media_id)
    if media is None or not policy.can_manage_media(actor, media):
        raise ResourceInvalid(field, f"文件 {media_id} 不存在或不属于你的学校。")
    if media.kind != kind:
        raise ResourceInvalid(field, f"文件 {media_id} 是{media.kind_label}，这里需要{MEDIA_KINDS[kind]}。")
    return media


def _check_links(actor, values: dict) -> None:
    kind = values.get("kind")
    media_id = values.get("media_id")
    if media_id is not None:
        wanted = MEDIA_FOR_KIND.get(kind)
        if wanted is None:
            raise ResourceInvalid("media_id", "只有视频和文档类资源可以关联上传的文件。")
        _owned_media(actor, media_id, wanted, "media_id")
    for caption_id in values.get("caption_ids") or []:
        _owned_media(actor, caption_id, "captions", "caption_ids")
    if values.get("caption_ids") and kind != "video":
        raise ResourceInvalid("caption_ids", "只有视频可以添加字幕。")
    topic_id = values.get("topic_id")
    if topic_id is not None and db.session.get(Topic, topic_id) is None:
        raise ResourceInvalid("topic_id", "没有这个专题。")
    if kind not in RESOURCE_KINDS:
        raise ResourceInvalid("kind", "请选择资源类型。")


def create_resource(actor, values: dict) -> Resource:
    """Create a draft resource owned by the admin's school (district admins: the district).

    actor: a school or district admin.
    values: the EDITABLE_FIELDS, already checked for form and range by the form.
    """
    if not policy.can_manage_resources(actor):
        raise ResourceForbidden("只有管理员可以创建资源。")
    _check_links(actor, values)
    resource = Resource(
        source=DEFAULT_SOURCE,
        external_id=f"admin-{uuid.uuid4().hex[:16]}",
        school_id=None if policy.is_district_admin(actor) else actor.school_id,
        status=ResourceStatus.DRAFT,
        **{field: values.get(field) for field in EDITABLE_FIELDS},
    )
    db.session.add(resource)
    db.session.flush()
    record(actor, "resource.create", resource, title=resource.title)
    db.session.commit()
    return resource


def update_resource(actor, resource_id: int, values: dict) -> Resource:
    """Change a resource's fields and record which ones changed."""
    resource = get_editable_resource(resource_id, actor)
    _check_links(actor, values)
    changed = [f for f in EDITABLE_FIELDS if f in values and getattr(resource, f) != values[f]]
    for field in changed:
        setattr(resource, field, values[field])
    if changed:
        record(actor, "resource.update", resource, fields=changed)
        db.session.commit()
    return resource


def publish_resource(actor, resource_id: int) -> Resource:
    """Make a draft or retired resource visible to students."""
    resource = get_editable_resource(resource_id, actor)
    if resource.status != ResourceStatus.PUBLISHED:
        resource.status = ResourceStatus.PUBLISHED
        resource.published_at = utcnow()
        record(actor, "resource.publish", resource, title=resource.title)
        db.session.commit()
    return resource


def retire_resource(actor, resource_id: int) -> Resource:
    """Take a resource away from students (it stays for admins and can be published again)."""
    resource = get_editable_resource(resource_id, actor)
    if resource.status != ResourceStatus.RETIRED:
        resource.status = ResourceStatus.RETIRED
        record(actor, "resource.retire", resource, title=resource.title)
        db.session.commit()
    return resource


def parse_admin_filters(args) -> AdminFilters:
    """Read the list filters; unknown values are ignored rather than refused."""
    status = args.get("status") if args.get("status") in RESOURCE_STATUSES else None
    kind = args.get("kind") if args.get("kind") in RESOURCE_KINDS else None
    q = (args.get("q") or "").strip()[:100] or None
    return AdminFilters(status=status, kind=kind, q=q)


def managed_resources(actor, filters: AdminFilters, page: PageRequest) -> Page:
    """One page of the resources this admin manages (district admins: all), newest first."""
    query = select(Resource)
    if not policy.is_district_admin(actor):
        query = query.where(Resource.school_id == actor.school_id)
    if filters.status:
        query = query.where(Resource.status == filters.status)
    if filters.kind:
        query = query.where(Resource.kind == filters.kind)
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Resource.title.like(f"%{escaped}%", escape="\\"))
    return paginate(db.session, query, Resource.id.desc(), page)
