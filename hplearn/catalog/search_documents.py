"""Published resources as search documents (the "resource" document type)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import object_session, selectinload

from hplearn.catalog.models import Resource, Topic
from hplearn.search.documents import SearchDocument, register_document_type
from hplearn.vocab import GRADE_NAMES, ResourceStatus

RESOURCE_FACETS = ("stage", "grade", "subject", "topic", "kind", "edition", "volume")
# The school_type field of a resource meant for every school (no 学校类型 of its own): every
# school-type filter accepts it. Not a facet: it is no choice a student makes.
FOR_EVERY_SCHOOL = "通用"


def school_type_alternatives(school_type: str) -> tuple[str, ...]:
    """The indexed values a school-type filter accepts: its own, and "for every school"."""
    return (school_type, FOR_EVERY_SCHOOL)


def resource_topic(resource: Resource) -> Topic | None:
    """The resource's topic as its topic_id says, even before the relationship is loaded.

    A row created with only topic_id (as the importer does) is still pending when the search
    hook reads it after flush, and a lazy load of a pending row's relationship gives None:
    the index built by `hplearn init --demo` then lacked every topic name.
    """
    topic = resource.topic
    if resource.topic_id is None or (topic is not None and topic.id == resource.topic_id):
        return topic
    session = object_session(resource)
    if session is None:
        return topic
    with session.no_autoflush:
        return session.get(Topic, resource.topic_id)


def resource_keywords(resource: Resource, topic: Topic | None = None) -> str:
    """The structured fields as searchable text: 人教版 数学 五年级 上册 小学 …"""
    grade = GRADE_NAMES.get(resource.grade, "") if resource.grade else ""
    words = [
        resource.stage, grade, resource.subject, resource.edition, resource.volume,
        resource.kind_label, resource.school_type, resource.resource_type,
        topic.name if topic else None, *(resource.tags or []),
    ]
    if grade and resource.volume in ("上册", "下册"):
        words.append(f"{grade}{resource.volume}")
    return " ".join(str(word) for word in words if word)


def resource_document(resource: Resource) -> SearchDocument:
    """A resource as plain search data."""
    topic = resource_topic(resource)
    return SearchDocument(
        id=resource.id,
        title=resource.title,
        body=f"{resource.summary or ''}\n{resource.body or ''}",
        keywords=resource_keywords(resource, topic),
        fields={
            "stage": resource.stage,
            "grade": str(resource.grade) if resource.grade else None,
            "subject": resource.subject,
            "topic": topic.slug if topic else None,
            "kind": resource.kind,
            "edition": resource.edition,
            "volume": resource.volume,
            "school_type": resource.school_type or FOR_EVERY_SCHOOL,
        },
        view_count=resource.view_count or 0,
        published_at=resource.published_at,
    )


def published_resources_query():
    """The rows a full reindex reads."""
    return (
        select(Resource)
        .where(Resource.status == ResourceStatus.PUBLISHED)
        .options(selectinload(Resource.topic))
        .order_by(Resource.id)
    )


register_document_type(
    "resource",
    Resource,
    resource_document,
    lambda resource: resource.status == ResourceStatus.PUBLISHED,
    rebuild_query=published_resources_query,
    facets=RESOURCE_FACETS,
    ignored_attributes=("view_count", "updated_at"),
    related={Topic: lambda topic: topic.resources},
    load_options=(selectinload(Resource.topic),),
    filter_alternatives={"school_type": school_type_alternatives},
)
