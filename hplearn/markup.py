"""Markdown to sanitized HTML: the only place in hplearn that turns user text into HTML."""

from __future__ import annotations

import html as html_lib

import bleach
import markdown
from bleach.css_sanitizer import CSSSanitizer
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
_css = CSSSanitizer(allowed_css_properties=[])


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
    html = markdown.markdown(text, extensions=_EXTENSIONS, output_format="html")
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
    html = markdown.markdown(text, extensions=_EXTENSIONS)
    stripped = bleach.clean(html, tags=set(), strip=True, strip_comments=True)
    flat = " ".join(html_lib.unescape(stripped).split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat
