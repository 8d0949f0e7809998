"""Markdown to sanitized HTML: the only place in hplearn that turns user text into HTML."""

from __future__ import annotations

import html as html_lib
import re
import threading
from functools import lru_cache

import bleach
import markdown
from bleach.css_sanitizer import CSSSanitizer
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
IMAGE_ATTRIBUTES = frozenset({"src", "alt", "title", "width", "height"})
# Images come from the web over http(s), or are files uploaded here (/media/<id>, which checks
# who may see them); never data:, javascript: or any other relative path.
_IMAGE_SOURCE = re.compile(r"^(?:https?://[^\s]+|/media/\d+)$", re.IGNORECASE)


def _allowed_image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return bool(_IMAGE_SOURCE.match(value))
    return name in IMAGE_ATTRIBUTES


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": _allowed_image_attribute,
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
_css = CSSSanitizer(allowed_css_properties=[])
# Building a Markdown converter costs more than converting a short text: keep one per thread.
_local = threading.local()
# Card snippets repeat on every page view; remember the plain text of short summaries.
SNIPPET_CACHE_MAX_LENGTH = 2000


def _to_html(text: str) -> str:
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(
            extensions=_EXTENSIONS, output_format="html"
        )
    return converter.reset().convert(text)


def _set_link_attributes(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if href.startswith(("http://", "https://")):
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
        attrs[(None, "target")] = "_blank"
    return attrs


def render_markdown(text: str | None) -> Markup:
    """Render Markdown written by users or admins to safe HTML.

    Raw HTML in the input is escaped by bleach's allow-list, links keep only http(s)
    and mailto, and external links open safely in a new tab.
    """
    if not text:
        return Markup("")
    html = _to_html(text)
    clean = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        css_sanitizer=_css,
        strip=True,
        strip_comments=True,
    )
    linked = bleach.linkify(clean, callbacks=[_set_link_attributes], skip_tags={"pre", "code"})
    return Markup(linked)


def plain_text(text: str | None, limit: int | None = None) -> str:
    """Return Markdown as plain text (for snippets and search), optionally cut to limit chars."""
    if not text:
        return ""
    flat = _cached_plain(text) if len(text) <= SNIPPET_CACHE_MAX_LENGTH else _plain(text)
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def _plain(text: str) -> str:
    stripped = bleach.clean(_to_html(text), tags=set(), strip=True, strip_comments=True)
    return " ".join(html_lib.unescape(stripped).split())


_cached_plain = lru_cache(maxsize=4096)(_plain)
