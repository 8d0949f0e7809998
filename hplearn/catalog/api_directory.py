"""/api/v1/topics and /api/v1/platforms: the themes and the platform directory for other systems."""

from flask import abort, current_app, jsonify, request

from hplearn.api import bp
from hplearn.catalog import services
from hplearn.catalog.serializers import platform_json, resource_json, topic_json
from hplearn.markup import render_markdown
from hplearn.pagination import parse_page


@bp.get("/topics")
def list_topics():
    """Every topic (专题) in display order, with how many published resources it holds."""
    # The cached facet rows: no scan of the catalog per request.
    counts = {option.value: option.count
              for option in services.facet_counts(services.ResourceFilters())["topic"]}
    return jsonify(results=[topic_json(topic, counts.get(topic.slug, 0))
                            for topic in services.all_topics()])


@bp.get("/topics/<slug>")
def get_topic(slug):
    """One topic and a page of its published resources."""
    topic = services.topic_by_slug(slug)
    if topic is None:
        abort(404, description="没有找到这个专题。")
    page_request = parse_page(request.args, default_per_page=current_app.config["PER_PAGE"],
                              max_per_page=current_app.config["MAX_PER_PAGE"])
    page = services.published_resources(services.ResourceFilters(topic=topic.slug), page_request)
    data = topic_json(topic, page.total)
    data.update(description_html=str(render_markdown(topic.description)), page=page.page,
                per_page=page.per_page, results=[resource_json(r) for r in page.items])
    return jsonify(data)


@bp.get("/platforms")
def list_platforms():
    """The directory of national, municipal and district platforms, national first."""
    return jsonify(results=[platform_json(platform) for platform in services.all_platforms()])
