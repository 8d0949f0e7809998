"""Autocomplete as students type: the catalog's own words (学科, 专题, 年级, 初二数学) before titles.

Titles of the national catalog start with 义务教育教科书·…, so a title prefix alone suggested
nothing for 数学, shuxue, 初二 or 爱国. The phrases here are built from the published catalog
(only ones that find something) and match by characters, full pinyin or initials; a pinyin
prefix that ends on a whole syllable (shu → 数学) ranks above one inside a syllable (shu → 睡).
"""

from __future__ import annotations

from dataclasses import dataclass

from hplearn import chinese
from hplearn.cache import catalog_cache
from hplearn.catalog import services
from hplearn.pagination import PageRequest
from hplearn.search import analysis
from hplearn.search import services as search
from hplearn.vocab import GRADE_ALIASES, GRADE_NAMES, SCHOOL_TYPE_GENERAL

MAX_PHRASES_BEFORE_TITLES = 5
MIN_SEARCHED_CHARS = 2


@dataclass(frozen=True)
class Phrase:
    """A query worth suggesting and how many published resources it is about."""

    text: str
    count: int


def catalog_phrases() -> list[Phrase]:
    """Subjects, topics, grades and grade-and-subject pairs of the published catalog, with counts."""
    rows = catalog_cache().remember_json("catalog-suggest-phrases", _count_phrases)
    return [Phrase(text, count) for text, count in rows]


def _count_phrases() -> list[list]:
    counts: dict[str, int] = {}

    def add(text: str, count: int) -> None:
        counts[text] = counts.get(text, 0) + count

    topics = {topic.slug: topic.name for topic in services.all_topics()}
    aliases = {number: alias for alias, number in GRADE_ALIASES.items() if alias.startswith("初")}
    for facet in services.catalog_facet_rows():
        grade, subject, topic, count = facet.grade, facet.subject, facet.topic, facet.count
        if subject:
            add(subject, count)
        if topic in topics:
            add(topics[topic], count)
        if grade in GRADE_NAMES:
            add(GRADE_NAMES[grade], count)
            if grade in aliases:
                add(aliases[grade], count)
            if subject:
                add(f"{GRADE_NAMES[grade]}{subject}", count)
                add(f"{subject}{GRADE_NAMES[grade]}", count)
                if grade in aliases:
                    add(f"{aliases[grade]}{subject}", count)
    return [[text, count] for text, count in counts.items()]


def _syllables(text: str) -> list[str]:
    return chinese.lazy_pinyin(text, errors="ignore")


def _pinyin_match(typed: str, text: str) -> int | None:
    """2: typed is the pinyin or initials of whole syllables; 1: it ends inside one; None."""
    syllables = _syllables(analysis.compact(text))
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    if not full.startswith(typed) and not initials.startswith(typed):
        return None
    joined = ""
    for syllable in syllables:
        joined += syllable
        if joined == typed:
            return 2
        if len(joined) >= len(typed):
            break
    return 2 if initials.startswith(typed) else 1


def _match(typed_forms: tuple[str, ...], text: str) -> int | None:
    """How well a phrase or title matches what was typed: 3 its characters as typed, 2 as
    normalized (初二 finds 八年级…) or whole pinyin syllables, 1 a syllable begun; None."""
    raw, normalized = typed_forms
    compact = analysis.compact(text.lower())
    if raw and compact.startswith(raw):
        return 3
    if normalized and analysis.compact(analysis.normalize(text)).startswith(normalized):
        return 2
    if normalized.isascii() and normalized.isalnum():
        return _pinyin_match(normalized, text)
    return None


def _typed_forms(prefix: str) -> tuple[str, str]:
    cut = (prefix or "")[:search.MAX_SUGGEST_CHARS]
    raw = analysis.compact(cut.lower())[:analysis.MAX_PREFIX_CHARS]
    normalized = analysis.compact(analysis.normalize(cut))[:analysis.MAX_PREFIX_CHARS]
    return raw, normalized


def suggest_queries(prefix: str | None, limit: int = search.SUGGEST_LIMIT) -> list[str]:
    """What to offer while prefix is typed: catalog phrases, then titles, best first.

    prefix: what was typed so far (anything; long input is cut).
    limit: how many suggestions at most.
    """
    typed = _typed_forms(prefix or "")
    if not typed[1]:
        return []
    scored = [(_match(typed, phrase.text), phrase) for phrase in catalog_phrases()]
    phrases = [phrase.text for score, phrase in sorted(
        ((score, phrase) for score, phrase in scored if score),
        key=lambda pair: (-pair[0], -pair[1].count, len(pair[1].text), pair[1].text),
    )]
    titles = search.suggest(prefix, limit=limit)
    titles.sort(key=lambda title: -(_match(typed, title) or 0))  # stable: most viewed first
    head = phrases[:MAX_PHRASES_BEFORE_TITLES]
    ordered = list(dict.fromkeys([*head, *titles, *phrases[len(head):]]))
    if len(ordered) < limit and len(typed[1]) >= MIN_SEARCHED_CHARS:
        ordered = list(dict.fromkeys([*ordered, *_found_titles(prefix, limit)]))
    return ordered[:limit]


def _found_titles(prefix: str, limit: int) -> list[str]:
    # Titles that hold the words without starting with them (古诗 → 《古诗三首》朗读), from the
    # same cached search the results page runs; only those whose title shows a match.
    filters = {"school_type": SCHOOL_TYPE_GENERAL}
    found = search.query(prefix, doc_type="resource", filters=filters,
                         page=PageRequest(page=1, per_page=limit))
    return [hit.object.title for hit in found.items if "<mark>" in hit.title_html]
