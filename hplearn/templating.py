"""Template filters and globals."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import request

from hplearn import policy, vocab
from hplearn.markup import plain_text, render_markdown
from hplearn.timeutil import LOCAL_TZ


def local_datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware datetime in Asia/Shanghai."""
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def safe_href(url: str | None) -> str | None:
    """The URL if a browser may safely follow it (http(s) or a same-site path), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    if scheme in ("http", "https") or (not scheme and url.startswith("/")):
        return url.strip()
    return None


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one); resets page."""
    args = request.args.to_dict(flat=True)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    # Built by hand, not with url_for: query names such as "endpoint" or "_scheme" would
    # be taken as url_for's own arguments.
    query = urlencode(args)
    path = request.script_root + request.path
    return f"{path}?{query}" if query else path


def register(app) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain"] = plain_text
    app.jinja_env.filters["localtime"] = local_datetime
    app.jinja_env.filters["grade_label"] = vocab.grade_label
    app.jinja_env.filters["teacher_title"] = vocab.teacher_title
    app.jinja_env.filters["safe_href"] = safe_href
    app.jinja_env.globals.update(policy=policy, vocab=vocab, url_with=url_with)
