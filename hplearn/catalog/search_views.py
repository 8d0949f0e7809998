"""The /search page."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from hplearn import vocab
from hplearn.catalog import services as catalog
from hplearn.catalog.searching import run_search
from hplearn.search import services

bp = Blueprint("search", __name__)


@bp.get("/search")
def search():
    """Search results with facet links, pagination and a "did you mean"."""
    results = run_search(request.args, default_for=current_user)
    return render_template(
        "search/results.html",
        results=results,
        topics={t.slug: t.name for t in catalog.all_topics()},
        sort_labels=services.SORT_LABELS,
        chosen_school_type=request.args.get("school_type"),
        school_types=(*vocab.SCHOOL_TYPES, vocab.SCHOOL_TYPE_ALL),
    )
