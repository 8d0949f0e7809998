"""/api/v1/search and /api/v1/suggest."""

from flask import jsonify, request

from hplearn.api import bp
from hplearn.catalog.searching import run_search
from hplearn.catalog.serializers import resource_json
from hplearn.catalog.suggestions import suggest_queries
from hplearn.errors import json_error


def _hit_json(hit) -> dict:
    data = resource_json(hit.object)
    data["highlight"] = str(hit.title_html)
    data["snippet"] = str(hit.snippet_html)
    return data


@bp.get("/search")
def search():
    """Resources matching q, with facets and a suggestion when nothing matched."""
    results = run_search(request.args)
    if results.unavailable:
        return json_error(503, results.unavailable, code="search_unavailable")
    return jsonify(
        query=results.query,
        total=results.total,
        page=results.page,
        per_page=results.per_page,
        results=[_hit_json(hit) for hit in results.items],
        facets={
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in results.facets.items()
        },
        suggestion=results.suggestion,
        truncated=results.truncated,
    )


@bp.get("/suggest")
def suggest():
    """Autocomplete: catalog words (学科, 专题, 初二数学…), then titles starting with q."""
    return jsonify(suggestions=suggest_queries(request.args.get("q", "")))
