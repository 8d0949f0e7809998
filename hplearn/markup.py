"""Markdown to sanitized HTML: the only place in hplearn that turns user text into HTML.

Formulas: `$…$` (inline) and `$$…$$` (display) become MathML on the server, readable without
JavaScript. So that prices like "$5 and $6" stay text, an inline formula needs a non-space right
after its opening `$` and right before its closing `$`, and no digit right after the closing `$`;
`\\$` is a literal dollar sign. Formulas inside code spans and code blocks stay code. LaTeX that
cannot be converted is shown as code.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
import xml.etree.ElementTree as etree
from functools import lru_cache, partial

import bleach
import markdown
from bleach.css_sanitizer import CSSSanitizer
from bleach.linkifier import LinkifyFilter
from latex2mathml.converter import convert as latex_to_mathml
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString
from markupsafe import Markup

HTML_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
# Exactly the MathML elements latex2mathml writes; nothing that links, scripts or styles.
MATHML_TAGS = frozenset({
    "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
    "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext",
    "mtr", "munder", "munderover", "none",
})
ALLOWED_TAGS = HTML_TAGS | MATHML_TAGS
# Presentation attributes latex2mathml writes. Never href, style, class, id or on*: \href and
# \style in a formula lose their link and their CSS here.
MATHML_ATTRIBUTES = frozenset({
    "accent", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "fence", "form", "height", "largeop", "linebreak", "linethickness",
    "lspace", "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
    "movablelimits", "notation", "rowspacing", "rspace", "scriptlevel", "separator", "stretchy",
    "voffset", "width",
})
# Their values are words, numbers with units and #colours; anything else is dropped.
_MATHML_VALUE = re.compile(r"^[\w#.%+\- ]{0,60}$")
IMAGE_ATTRIBUTES = frozenset({"src", "alt", "title", "width", "height"})
# Images come from the web over http(s), or are files uploaded here (/media/<id>, which checks
# who may see them); never data:, javascript: or any other relative path.
_IMAGE_SOURCE = re.compile(r"^(?:https?://[^\s]+|/media/\d+)$", re.IGNORECASE)


def _allowed_image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return bool(_IMAGE_SOURCE.match(value))
    return name in IMAGE_ATTRIBUTES


def _allowed_mathml_attribute(tag: str, name: str, value: str) -> bool:
    return name in MATHML_ATTRIBUTES and bool(_MATHML_VALUE.match(value))


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "img": _allowed_image_attribute,
    "th": ["align"],
    "td": ["align"],
    **dict.fromkeys(MATHML_TAGS, _allowed_mathml_attribute),
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Longer formulas are shown as code, those past the first FORMULAS_MAX of a text as text: the time
# to convert and sanitize grows with both (1500 formulas took about a second).
FORMULA_MAX_LENGTH = 2000
FORMULAS_MAX = 200
# $$…$$ may span lines of one paragraph; $…$ stays on one line (see the module docstring).
_DISPLAY_MATH = r"(?<!\\)\$\$(?!\$)(.+?)(?<!\\)\$\$"
_INLINE_MATH = r"(?<![\\$])\$(?![\s$])([^\n$]*?[^\s\\$])\$(?![\d$])"
# Between code spans (190) and backslash escapes (180): code stays code, \{ stays LaTeX.
_MATH_PRIORITY = 185


class _MathProcessor(InlineProcessor):
    """Turn one formula into stashed MathML, or into code if latex2mathml refuses it."""

    def __init__(self, pattern: str, md, display: str, extension: MathExtension):
        super().__init__(pattern, md)
        self.display = display
        self.extension = extension

    def handleMatch(self, m, data):  # Markdown's API names
        latex = m.group(1).strip()
        self.extension.count += 1
        if self.extension.count > FORMULAS_MAX:
            return None, None, None  # left as the text the user typed
        try:
            if len(latex) > FORMULA_MAX_LENGTH:
                raise ValueError("formula too long")
            mathml = latex_to_mathml(latex, display=self.display)
        except Exception:  # noqa: BLE001  (any parser failure: show the source, never a 500)
            code = etree.Element("code")
            code.text = AtomicString(m.group(0))
            return code, m.start(0), m.end(0)
        return self.md.htmlStash.store(mathml), m.start(0), m.end(0)


class MathExtension(markdown.Extension):
    """`$…$` and `$$…$$` to MathML (server-side, no JavaScript)."""

    count = 0

    def extendMarkdown(self, md):  # Markdown's API names
        md.registerExtension(self)  # so that md.reset() resets the formula count
        md.ESCAPED_CHARS.append("$")
        md.inlinePatterns.register(
            _MathProcessor(_DISPLAY_MATH, md, "block", self), "math_display", _MATH_PRIORITY + 1
        )
        md.inlinePatterns.register(
            _MathProcessor(_INLINE_MATH, md, "inline", self), "math_inline", _MATH_PRIORITY
        )

    def reset(self) -> None:
        """Start counting formulas again for the next text."""
        self.count = 0


_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
_css = CSSSanitizer(allowed_css_properties=[])
# Building a Markdown converter costs more than converting a short text: keep one per thread.
_local = threading.local()
# Card snippets repeat on every page view; remember the plain text of short summaries.
SNIPPET_CACHE_MAX_LENGTH = 2000


def _converter(math: bool) -> markdown.Markdown:
    name = "converter" if math else "plain_converter"
    converter = getattr(_local, name, None)
    if converter is None:
        extensions = [*_EXTENSIONS, MathExtension()] if math else _EXTENSIONS
        converter = markdown.Markdown(extensions=extensions, output_format="html")
        setattr(_local, name, converter)
    return converter


def _to_html(text: str, math: bool = True) -> str:
    return _converter(math).reset().convert(text)


def _set_link_attributes(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if href.startswith(("http://", "https://")):
        attrs[(None, "rel")] = "nofollow noopener noreferrer"
        attrs[(None, "target")] = "_blank"
    return attrs


def _cleaner() -> bleach.Cleaner:
    # One pass cleans and linkifies. A separate bleach.linkify(skip_tags=...) re-escaped the
    # entities inside <pre>/<code>, so code showed "a &lt; b" instead of "a < b".
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            css_sanitizer=_css,
            strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[_set_link_attributes],
                             skip_tags={"pre", "code", "math"})],
        )
    return cleaner


def render_markdown(text: str | None) -> Markup:
    """Render Markdown written by users or admins to safe HTML.

    Raw HTML in the input is escaped by bleach's allow-list, links keep only http(s)
    and mailto, external links open safely in a new tab, and formulas become MathML.
    """
    if not text:
        return Markup("")
    if len(text) <= RENDER_CACHE_MAX_LENGTH:
        return Markup(_cached_html(text))
    return Markup(_clean_html(text))


def _clean_html(text: str) -> str:
    return _cleaner().clean(_to_html(text))


# The same bodies are shown on every view of a resource or question: remember the HTML of
# texts up to RENDER_CACHE_MAX_LENGTH characters (a pure function of the text).
RENDER_CACHE_MAX_LENGTH = 8000
_cached_html = lru_cache(maxsize=512)(_clean_html)


def plain_text(text: str | None, limit: int | None = None) -> str:
    """Return Markdown as plain text (for snippets and search), optionally cut to limit chars.

    Formulas keep their LaTeX source here.
    """
    if not text:
        return ""
    flat = _cached_plain(text) if len(text) <= SNIPPET_CACHE_MAX_LENGTH else _plain(text)
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def _plain(text: str) -> str:
    stripped = bleach.clean(_to_html(text, math=False), tags=set(), strip=True,
                            strip_comments=True)
    return " ".join(html_lib.unescape(stripped).split())


_cached_plain = lru_cache(maxsize=4096)(_plain)
