"""The JSON API at /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from hplearn.api import (  # noqa: E402,F401  # noqa: E402,F401  (issue 4: collections and media)
    auth,
    collections,
    media,
    questions,
    resources,
    schools,
    search,
    stats,
)
