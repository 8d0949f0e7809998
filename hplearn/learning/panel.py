"""What every resource page adds below the resource: its package, exercises, 收藏, related."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_login import current_user

from hplearn import policy
from hplearn.catalog.models import Resource
from hplearn.contributions import review
from hplearn.exercises import services as exercises
from hplearn.extensions import db
from hplearn.learning import services


@dataclass
class PackageView:
    """The lesson package a resource belongs to, and its parts the viewer may open."""

    title: str
    resource: Resource | None
    parts: list[tuple[str, Resource]] = field(default_factory=list)
    featured: bool = False


@dataclass
class ResourcePanel:
    """The learning loop's block of a resource page."""

    resource: Resource
    can_keep: bool
    is_favourite: bool
    pdf_page: int | None
    package: PackageView | None
    exercise_sets: list
    related: list[Resource]


def _package(resource: Resource, user) -> PackageView | None:
    contribution = review.package_of(resource)
    if contribution is None or contribution.kind != "package":
        return None
    main = db.session.get(Resource, contribution.resource_id) if contribution.resource_id else None
    parts = []
    for part in contribution.parts:
        target = db.session.get(Resource, part.resource_id) if part.resource_id else None
        if target is not None and policy.can_view_resource(user, target):
            parts.append((part.role_label, target))
    return PackageView(contribution.title, main if main and policy.can_view_resource(user, main)
                       else None, parts, contribution.status == "featured")


def _listed(package: PackageView | None) -> tuple[int, ...]:
    if package is None:
        return ()
    own = [package.resource.id] if package.resource is not None else []
    return (*own, *(part.id for _, part in package.parts))


def resource_panel(resource: Resource) -> ResourcePanel:
    """Template helper for catalog/resource.html."""
    user = current_user
    package = _package(resource, user)
    ids = [resource.id]
    if package is not None and package.resource is not None:
        ids.append(package.resource.id)
    return ResourcePanel(
        resource=resource,
        can_keep=policy.can_keep_learning_record(user),
        is_favourite=services.is_favourite(user, resource),
        pdf_page=services.pdf_page(user, resource),
        package=package,
        exercise_sets=exercises.sets_for_resources(ids),
        related=services.related(resource, exclude_ids=_listed(package)),
    )
