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
        "school_type": resource.school_type or None,
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


def topic_json(topic, resource_count: int) -> dict:
    """A topic (专题) as the API shows it."""
    return {
        "slug": topic.slug,
        "name": topic.name,
        "summary": topic.summary or "",
        "resources": resource_count,
        "url": absolute_url("catalog.topic", slug=topic.slug),
    }


def platform_json(platform) -> dict:
    """A platform of the directory as the API shows it."""
    return {
        "slug": platform.slug,
        "name": platform.name,
        "level": platform.level,
        "level_label": platform.level_label,
        "url": platform.url,
        "needs_login": platform.needs_login,
        "description_html": str(render_markdown(platform.description)),
    }
