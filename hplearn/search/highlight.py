"""Highlighted titles and snippets: HTML-escaped text with <mark> around what matched."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup, escape

from hplearn.search import analysis

SNIPPET_CHARS = 90
_MARKDOWN_NOISE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]*>"), " "),
    (re.compile(r"^\s{0,3}(?:#{1,6}|>|[-*+]|\d+\.)\s+", re.MULTILINE), ""),
    (re.compile(r"[*_`~|]{1,3}"), ""),
)


def markdown_as_text(text: str | None) -> str:
    """Markdown source read as plain text, cheaply (for snippets; the result is escaped later)."""
    text = text or ""
    for pattern, replacement in _MARKDOWN_NOISE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


@lru_cache(maxsize=20_000)
def _fold(char: str) -> str:
    if char in analysis.SEPARATORS:
        return ""
    folded = unicodedata.normalize("NFKC", char)
    return analysis._t2s().convert(folded).lower()


def _folded(text: str) -> tuple[str, list[int]]:
    # The folded text and, for each of its characters, where it came from in text.
    distinct = set(text)
    if all(len(_fold(char)) == 1 for char in distinct):
        # The usual case, every character folds to one: translate in C, positions unchanged.
        return text.translate({ord(char): _fold(char) for char in distinct}), list(range(len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for position, char in enumerate(text):
        for folded in _fold(char):
            chars.append(folded)
            origin.append(position)
    return "".join(chars), origin


def needles(query: analysis.AnalyzedQuery) -> list[str]:
    """The strings to mark for a query: its words and their synonyms, longest first."""
    words = {w for term in query.terms for w in term.alternatives}
    words |= set(query.normalized.split())
    return sorted((w for w in words if w), key=len, reverse=True)


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    folded, origin = _folded(text)
    taken = [False] * len(folded)
    spans = []
    for word in words:
        start = folded.find(word)
        while start != -1:
            end = start + len(word)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(word)
                spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(word, end)
    return sorted(spans)


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> Markup:
    parts = []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[cursor:span_start]))
        parts.append(Markup("<mark>%s</mark>") % text[span_start:span_end])
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    return Markup("").join(parts)


def highlight(text: str | None, words: list[str]) -> Markup:
    """The whole text, escaped, with matches marked."""
    text = text or ""
    return _render(text, _spans(text, words), 0, len(text))


def snippet(text: str | None, words: list[str], length: int = SNIPPET_CHARS) -> Markup:
    """About length characters of text around the first match, escaped, with matches marked."""
    text = " ".join((text or "").split())
    spans = _spans(text, words)
    start = max(0, spans[0][0] - length // 4) if spans else 0
    end = min(len(text), start + length)
    marked = _render(text, spans, start, end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return Markup(prefix) + marked + Markup(suffix)
