"""/api/v1/news: the published posts of schools and the district."""

from __future__ import annotations

from flask import current_app, jsonify, request

from hplearn.api import bp
from hplearn.markup import render_markdown
from hplearn.news import services
from hplearn.pagination import parse_page
from hplearn.security import absolute_url


def post_json(post, with_body: bool = False) -> dict:
    """A post as the API shows it."""
    data = {"id": post.id, "kind": post.kind, "kind_label": post.kind_label, "title": post.title,
            "school": post.school.code if post.school else None, "publisher": post.publisher,
            "published_at": post.published_at.isoformat(), "featured": post.featured_at is not None,
            "url": absolute_url("news.detail", post_id=post.id)}
    if with_body:
        data["body_html"] = str(render_markdown(post.body))
    return data


@bp.get("/news")
def list_news():
    """Published posts, newest first; ?school=CODE (or district), ?kind=."""
    school_id, _ = services.school_filter(request.args.get("school"))
    page = services.published_posts(
        parse_page(request.args, default_per_page=current_app.config["PER_PAGE"],
                   max_per_page=current_app.config["MAX_PER_PAGE"]),
        school_id=school_id, kind=services.kind_of(request.args.get("kind")))
    return jsonify(total=page.total, page=page.page, per_page=page.per_page,
                   results=[post_json(post) for post in page.items])


@bp.get("/news/<int:post_id>")
def get_news(post_id):
    """One published post with its rendered text."""
    return jsonify(post_json(services.published_post(post_id), with_body=True))
