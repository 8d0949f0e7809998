"""Published resources as search documents (the "resource" document type)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hplearn.catalog.models import Resource, Topic
from hplearn.search.documents import SearchDocument, register_document_type
from hplearn.vocab import GRADE_NAMES, ResourceStatus

RESOURCE_FACETS = ("stage", "grade", "subject", "topic", "kind", "edition")


def resource_keywords(resource: Resource) -> str:
    """The structured fields as searchable text: 人教版 数学 五年级 上册 小学 …"""
    grade = GRADE_NAMES.get(resource.grade, "") if resource.grade else ""
    words = [
        resource.stage, grade, resource.subject, resource.edition, resource.volume,
        resource.kind_label, resource.school_type, resource.resource_type,
        resource.topic.name if resource.topic else None, *(resource.tags or []),
    ]
    if grade and resource.volume in ("上册", "下册"):
        words.append(f"{grade}{resource.volume}")
    return " ".join(str(word) for word in words if word)


def resource_document(resource: Resource) -> SearchDocument:
    """A resource as plain search data."""
    return SearchDocument(
        id=resource.id,
        title=resource.title,
        body=f"{resource.summary or ''}\n{resource.body or ''}",
        keywords=resource_keywords(resource),
        fields={
            "stage": resource.stage,
            "grade": str(resource.grade) if resource.grade else None,
            "subject": resource.subject,
            "topic": resource.topic.slug if resource.topic else None,
            "kind": resource.kind,
            "edition": resource.edition,
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
)
