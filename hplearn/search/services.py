"""Search rules: query, similar, suggest, "did you mean", and the search_performed signal.

Views, the JSON API and other features call these; backends only see analyzed queries.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from blinker import Namespace
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from hplearn.extensions import db
from hplearn.pagination import InvalidParameter, Page, PageRequest
from hplearn.search import analysis, engine, highlight
from hplearn.search.backends.base import SORTS, BackendQuery, BackendResults, IndexUnavailable
from hplearn.search.documents import document_type

SORT_LABELS = {"relevance": "相关度", "newest": "最新发布", "popular": "最多浏览"}
SUGGEST_LIMIT = 8
MAX_SUGGEST_CHARS = 30
SNIPPET_SOURCE_CHARS = 600
MAX_PROBED_TERMS = 4
# Document types whose similar() answers are cached: only those whose every change starts a new
# catalog generation (hplearn.cache watches the resources table; questions it does not).
CACHED_SIMILAR = frozenset({"resource"})

_signals = Namespace()
search_performed = _signals.signal("search-performed")
"""Sent by /search and /api/v1/search with query (normalized), filters and result_count."""


@dataclass
class SearchHit:
    """One result: the model object and its highlighted title and snippet."""

    object: object
    title_html: Markup
    snippet_html: Markup


@dataclass
class SearchResults(Page):
    """One page of results (items are SearchHits) with everything the page and the API show."""

    text: str = ""
    query: str = ""
    doc_type: str = "resource"
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    truncated: bool = False
    unavailable: str | None = None


def parse_sort(args) -> str:
    """Read sort (relevance, newest, popular); raise InvalidParameter otherwise."""
    sort = (args.get("sort") or "relevance").strip()
    if sort not in SORTS:
        raise InvalidParameter("sort", f"排序方式必须是：{'、'.join(SORTS)}。")
    return sort


def _load(doc_type_name: str, ids: list[int]) -> list:
    doc_type = document_type(doc_type_name)
    if not ids:
        return []
    query = select(doc_type.model).where(doc_type.model.id.in_(ids)).options(*doc_type.load_options)
    rows = db.session.scalars(query)
    by_id = {row.id: row for row in rows if doc_type.is_indexable(row)}
    return [by_id[i] for i in ids if i in by_id]


def _hit(doc_type_name: str, row, words: list[str]) -> SearchHit:
    document = document_type(doc_type_name).to_document(row)
    body = highlight.markdown_as_text(document.body[:SNIPPET_SOURCE_CHARS])
    return SearchHit(
        object=row,
        title_html=highlight.highlight(document.title, words),
        snippet_html=highlight.snippet(body, words),
    )


def query(
    text: str | None,
    *,
    doc_type: str = "resource",
    filters: dict[str, str] | None = None,
    sort: str = "relevance",
    page: PageRequest | None = None,
) -> SearchResults:
    """Search one document type.

    text: what the user typed (anything; cut to analysis.MAX_QUERY_CHARS).
    doc_type: a registered document type.
    filters: field values every result must have.
    sort: relevance, newest or popular.
    page: which slice (default the first 20).
    """
    page = page or PageRequest(page=1, per_page=20)
    filters = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    analyzed = analysis.analyze_query(text)
    results = SearchResults(
        items=[], total=0, text=analyzed.text, query=analyzed.normalized, doc_type=doc_type,
        filters=filters,
        sort=sort, page=page.page, per_page=page.per_page, truncated=analyzed.truncated,
        facets={name: [] for name in document_type(doc_type).facets},
    )
    if analyzed.is_empty:
        return results
    request = BackendQuery(
        query=analyzed, doc_type=doc_type, filters=document_type(doc_type).backend_filters(filters),
        facets=document_type(doc_type).facets, sort=sort,
        offset=page.offset, limit=page.per_page,
    )
    try:
        found, results.suggestion = _search_with_suggestion(request, doc_type)
    except IndexUnavailable as error:
        engine.record_problem(str(error))
        results.unavailable = "搜索暂时不可用，我们正在修复。你可以先通过“浏览”按年级和学科查找资源。"
        return results
    words = highlight.needles(analyzed)
    results.total = found.total
    results.facets = found.facets
    results.items = [_hit(doc_type, row, words) for row in _load(doc_type, found.ids)]
    return results


def _search_with_suggestion(request: BackendQuery, doc_type: str):
    """The backend's answer and, when nothing matched, a "did you mean"; shared through the
    catalog cache (hplearn.cache), so popular searches are computed once per catalog change."""
    from hplearn.cache import catalog_cache

    def compute() -> dict:
        found = engine.backend().search(request)
        suggestion = None
        if found.total == 0:
            suggestion = did_you_mean(request.query, doc_type, request.filters)
            terms = request.query.terms
            if len(terms) > 1 and any(len(t.word) > 1 for t in terms):
                # All words found nothing: fall back to any word (more words rank higher),
                # keeping the "did you mean"; words that are all single characters (数雪) do not.
                found = engine.backend().search(dataclasses.replace(request, match_all=False))
        return {"ids": found.ids, "total": found.total, "facets": found.facets,
                "suggestion": suggestion}

    token = engine.backend().cache_token(request.doc_type)
    cache = catalog_cache()
    if not token and not cache.follows(document_type(doc_type).model.__tablename__):
        # Neither the backend's index generation nor the catalog generation changes when
        # these rows do (questions on PostgreSQL): a cached answer would stay stale.
        data = compute()
    else:
        key = "search:" + hashlib.sha256(f"{token}|{request!r}".encode()).hexdigest()
        data = cache.remember_json(key, compute)
    facets = {name: [tuple(pair) for pair in pairs] for name, pairs in data["facets"].items()}
    return BackendResults(ids=data["ids"], total=data["total"], facets=facets), data["suggestion"]


def record(results: SearchResults, filters: dict[str, str] | None = None) -> None:
    """Announce a search for statistics: the normalized query, filters and result count only.

    filters: the filters the searcher chose (default: every filter of the results).
    """
    if results.query:
        search_performed.send(
            current_app._get_current_object(), query=results.query,
            filters=dict(results.filters if filters is None else filters),
            result_count=results.total,
        )


def similar(
    text: str | None,
    *,
    doc_type: str,
    limit: int = 5,
    filters: dict[str, str] | None = None,
    exclude_ids: tuple[int, ...] = (),
) -> list:
    """Objects of doc_type most like text (any word may match), best first; [] without an index."""
    analyzed = analysis.analyze_query(text)
    if analyzed.is_empty:
        return []
    request = BackendQuery(
        query=analyzed, doc_type=doc_type,
        filters=document_type(doc_type).backend_filters(
            {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}),
        limit=limit, match_all=False, exclude_ids=tuple(exclude_ids), want_total=False,
    )
    try:
        ids = _similar_ids(request)
    except IndexUnavailable as error:
        engine.record_problem(str(error))
        return []
    return _load(doc_type, ids)


def _similar_ids(request: BackendQuery) -> list[int]:
    """The backend's ids; for resources shared through the catalog cache like searches (a
    resource page asks the same of every visitor until the catalog changes)."""
    if request.doc_type not in CACHED_SIMILAR:
        return engine.backend().search(request).ids
    from hplearn.cache import catalog_cache

    token = engine.backend().cache_token(request.doc_type)
    key = "similar:" + hashlib.sha256(f"{token}|{request!r}".encode()).hexdigest()
    return catalog_cache().remember_json(key, lambda: engine.backend().search(request).ids)


def suggest(
    prefix: str | None, *, doc_type: str = "resource", limit: int = SUGGEST_LIMIT
) -> list[str]:
    """Titles that start with what was typed (characters, pinyin or initials), most viewed first."""
    typed = analysis.compact(analysis.normalize((prefix or "")[:MAX_SUGGEST_CHARS]))
    typed = typed[:analysis.MAX_PREFIX_CHARS]
    if not typed:
        return []
    try:
        return engine.backend().suggest(typed, doc_type, limit)
    except IndexUnavailable as error:
        engine.record_problem(str(error))
        return []


def _count(analyzed: analysis.AnalyzedQuery, doc_type: str, filters: dict[str, str]) -> int:
    request = BackendQuery(query=analyzed, doc_type=doc_type, filters=filters, limit=1)
    return engine.backend().count(request)


def _homophone(run: str, doc_type: str, filters) -> str | None:
    # 数雪 → 数学: find a title word that sounds like what was typed.
    target, _ = analysis.pinyin_forms(run)
    if not target:
        return None
    probe = analysis.AnalyzedQuery(
        text=target, normalized=target,
        terms=[analysis.QueryTerm(word=target, alternatives=(), pinyin=target)],
    )
    request = BackendQuery(query=probe, doc_type=doc_type, filters=filters, limit=5)
    for row in _load(doc_type, engine.backend().search(request).ids):
        title = document_type(doc_type).to_document(row).title
        for word in analysis.index_tokens(title):
            if word != run and analysis.pinyin_forms(word)[0] == target:
                return word
    return None


def did_you_mean(analyzed: analysis.AnalyzedQuery, doc_type: str, filters) -> str | None:
    """A query that finds something: same-sounding words, or fewer words."""
    runs = analysis.cjk_runs(analyzed.normalized)
    for run in runs[:MAX_PROBED_TERMS]:
        replacement = _homophone(run, doc_type, filters) if len(run) > 1 else None
        if replacement:
            return analyzed.normalized.replace(run, replacement, 1)
    return _fewer_words(analyzed, doc_type, filters)


def _joined(words: list[str]) -> str:
    text = ""
    for word in words:
        both_chinese = text and analysis.cjk_runs(text[-1]) and analysis.cjk_runs(word[0])
        text += word if not text or both_chinese else f" {word}"
    return text


def _fewer_words(analyzed: analysis.AnalyzedQuery, doc_type: str, filters) -> str | None:
    # Keep the words that find something on their own; suggest them if together they still do.
    if len(analyzed.terms) < 2:
        return None
    counts = []
    for term in analyzed.terms[:MAX_PROBED_TERMS * 2]:
        single = analysis.AnalyzedQuery(text=term.word, normalized=term.word, terms=[term])
        counts.append((_count(single, doc_type, filters), term))
    kept = [term for count, term in counts if count]
    if not kept:
        return None
    together = analysis.AnalyzedQuery(text="", normalized="", terms=kept)
    if len(kept) > 1 and _count(together, doc_type, filters):
        return _joined([t.word for t in kept])
    return max(counts, key=lambda pair: pair[0])[1].word
