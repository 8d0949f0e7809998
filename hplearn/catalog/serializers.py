"""How models look in the JSON API (the shapes named in INTERFACES.md)."""


from hplearn.markup import render_markdown
from hplearn.security import absolute_url


def resource_json(resource) -> dict:
    """R: a resource as the API shows it."""
    return {
        "id": resource.id,
        "external_id": resource.external_id,
        "source": resource.source,
        "title": resource.title,
        "summary": resource.summary or "",
        "kind": resource.kind,
        "stage": resource.stage,
        "grade": resource.grade,
        "subject": resource.subject,
        "edition": resource.edition,
        "volume": resource.volume,
        "topic": resource.topic.slug if resource.topic else None,
        "tags": list(resource.tags or []),
        "url": absolute_url("catalog.resource", resource_id=resource.id),
        "external_url": resource.url or None,
    }


def resource_detail_json(resource) -> dict:
    """R plus body_html."""
    data = resource_json(resource)
    data["body_html"] = str(render_markdown(resource.body))
    return data
