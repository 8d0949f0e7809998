"""Collection rules: who sees and changes what, ordering, featured windows (input: validation.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select

from hplearn import policy
from hplearn.audit.services import record
from hplearn.catalog.models import Resource
from hplearn.collections.models import Collection, CollectionItem
from hplearn.collections.validation import (  # noqa: F401  (re-exported: views catch these)
    CollectionError,
    CollectionForbidden,
    CollectionInvalid,
    CollectionNotFound,
    parse_collection_input,
)
from hplearn.extensions import db
from hplearn.pagination import MAX_ID, Page, PageRequest, paginate
from hplearn.timeutil import local_date, utcnow
from hplearn.vocab import stage_for_grade

FEATURED_ON_HOME = 6


def _check_window(collection: Collection) -> None:
    starts, ends = collection.featured_from, collection.featured_to
    if starts and ends and starts > ends:
        raise CollectionInvalid("featured_to", "推荐结束日期不能早于开始日期。")


def _check_resources(actor, resource_ids: list[int], present: set[int]) -> list[Resource]:
    # Resources already in the collection may stay even if since retired by someone else.
    found = {
        resource.id: resource
        for resource in db.session.scalars(select(Resource).where(Resource.id.in_(resource_ids)))
        if resource.id in present or policy.can_view_resource(actor, resource)
    }
    missing = [str(i) for i in resource_ids if i not in found]
    if missing:
        raise CollectionInvalid("resource_ids", f"这些资源不存在或不可用：{', '.join(missing)}。")
    return [found[i] for i in resource_ids]


def _set_resources(collection: Collection, resources: list[Resource]) -> None:
    by_id = {item.resource_id: item for item in collection.items}
    kept = []
    for position, resource in enumerate(resources):
        item = by_id.pop(resource.id, None) or CollectionItem(resource=resource)
        item.position = position
        kept.append(item)
    for item in by_id.values():
        db.session.delete(item)
    # Positions are not unique, so moving items never trips a constraint mid-flush.
    collection.items = kept


def _apply(actor, collection: Collection, values: dict) -> list[str]:
    changed = []
    for field, value in values.items():
        if field == "resource_ids":
            present = [item.resource_id for item in collection.items]
            if value != present:
                _set_resources(collection, _check_resources(actor, value, set(present)))
                changed.append(field)
        elif getattr(collection, field) != value:
            setattr(collection, field, value)
            changed.append(field)
    _check_window(collection)
    if collection.school_id is None and not collection.public:
        raise CollectionInvalid("public", "区级合集不属于任何学校，必须设为公开。")
    return changed


def create_collection(actor, values: dict) -> Collection:
    """Create a collection for the admin's school (district admins: a district collection).

    actor: a school or district admin.
    values: clean values from parse_collection_input(partial=False).
    """
    if not policy.can_create_collection(actor):
        raise CollectionForbidden("只有学校管理员和区管理员可以创建合集。")
    collection = Collection(
        school_id=None if policy.is_district_admin(actor) else actor.school_id,
        created_by_id=actor.id, description="", stages=[], grades=[],
    )
    try:
        _apply(actor, collection, values)
    except CollectionError:
        db.session.rollback()
        raise
    db.session.add(collection)
    db.session.flush()
    record(actor, "collection.create", collection, title=collection.title)
    db.session.commit()
    return collection


def get_visible_collection(collection_id: int, user) -> Collection:
    """The collection if the user may see it; CollectionNotFound otherwise."""
    collection = db.session.get(Collection, collection_id) if 1 <= collection_id <= MAX_ID else None
    if collection is None or not policy.can_view_collection(user, collection):
        raise CollectionNotFound("没有找到这个合集。")
    return collection


def get_editable_collection(collection_id: int, user) -> Collection:
    """The collection if the user may change it; 404 if they may not even see it, else 403."""
    collection = get_visible_collection(collection_id, user)
    if not policy.can_edit_collection(user, collection):
        raise CollectionForbidden("你不能修改这个合集。")
    return collection


def update_collection(actor, collection_id: int, values: dict) -> Collection:
    """Change some fields of a collection and record what changed.

    actor: its school's admin or a district admin.
    collection_id: which collection.
    values: clean values from parse_collection_input(partial=True).
    """
    collection = get_editable_collection(collection_id, actor)
    try:
        changed = _apply(actor, collection, values)
    except CollectionError:
        db.session.rollback()
        raise
    if changed:
        record(actor, "collection.update", collection, fields=changed)
        db.session.commit()
    return collection


def move_resource(actor, collection_id: int, resource_id: int, direction: str) -> Collection:
    """Move one resource a place up or down (the no-JavaScript reordering)."""
    collection = get_editable_collection(collection_id, actor)
    order = [item.resource_id for item in collection.items]
    if resource_id not in order or direction not in ("up", "down"):
        raise CollectionInvalid("resource_id", "这个资源不在合集里。")
    index = order.index(resource_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return update_collection(actor, collection_id, {"resource_ids": order})


def add_resource(actor, collection_id: int, resource_id: int) -> Collection:
    """Append a resource to the end of a collection."""
    collection = get_editable_collection(collection_id, actor)
    order = [item.resource_id for item in collection.items]
    if resource_id in order:
        raise CollectionInvalid("resource_id", "这个资源已经在合集里了。")
    return update_collection(actor, collection_id, {"resource_ids": [*order, resource_id]})


def remove_resource(actor, collection_id: int, resource_id: int) -> Collection:
    """Take a resource out of a collection."""
    collection = get_editable_collection(collection_id, actor)
    order = [item.resource_id for item in collection.items if item.resource_id != resource_id]
    return update_collection(actor, collection_id, {"resource_ids": order})


def delete_collection(actor, collection_id: int) -> None:
    """Delete a collection (its resources stay in the catalog)."""
    collection = get_editable_collection(collection_id, actor)
    record(actor, "collection.delete", collection, title=collection.title)
    db.session.delete(collection)
    db.session.commit()


def visible_resources(collection: Collection, user) -> list[Resource]:
    """The collection's resources in order, leaving out those the user may not see."""
    return [r for r in collection.resources if policy.can_view_resource(user, r)]


def _school_of(user):
    signed_in = getattr(user, "is_authenticated", False)
    return getattr(user, "school_id", None) if signed_in else None


def _visible_condition(user):
    if policy.is_district_admin(user):
        return None
    school_id = _school_of(user)
    if school_id is None:
        return Collection.public.is_(True)
    return or_(Collection.public.is_(True), Collection.school_id == school_id)


def visible_collections(user, page: PageRequest) -> Page:
    """One page of the collections this user may see, newest first."""
    query = select(Collection)
    condition = _visible_condition(user)
    if condition is not None:
        query = query.where(condition)
    return paginate(db.session, query, Collection.id.desc(), page)


def is_for_audience(collection: Collection, grade: int | None) -> bool:
    """Whether a student of this grade is in the collection's audience (no audience: everyone)."""
    if grade is None or not (collection.stages or collection.grades):
        return True
    return grade in (collection.grades or []) or stage_for_grade(grade) in (collection.stages or [])


def featured_for(user, today: date | None = None) -> list[Collection]:
    """Collections featured today (Asia/Shanghai) on this visitor's home page.

    Students get their school's and public ones for their grade; anonymous visitors public ones.
    """
    today = today or local_date(utcnow())
    query = select(Collection).where(
        or_(Collection.featured_from.is_not(None), Collection.featured_to.is_not(None)),
        or_(Collection.featured_from.is_(None), Collection.featured_from <= today),
        or_(Collection.featured_to.is_(None), Collection.featured_to >= today),
    )
    school_id = _school_of(user)
    if school_id is None:
        query = query.where(Collection.public.is_(True))
    else:
        query = query.where(or_(Collection.public.is_(True), Collection.school_id == school_id))
    candidates = db.session.scalars(query.order_by(Collection.featured_from.desc(), Collection.id))
    grade = getattr(user, "grade", None) if policy.is_student(user) else None
    chosen = [c for c in candidates if is_for_audience(c, grade)]
    return chosen[:FEATURED_ON_HOME]
