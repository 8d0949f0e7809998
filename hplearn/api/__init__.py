"""The JSON API at /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from hplearn.api import resources  # noqa: E402,F401  (registers routes on bp)
from hplearn.api import auth, schools  # noqa: E402,F401
from hplearn.api import collections, media  # noqa: E402,F401  (issue 4: collections and media)
from hplearn.api import search  # noqa: E402,F401  (registers routes on bp)
from hplearn.api import stats  # noqa: E402,F401
from hplearn.api import questions  # noqa: E402,F401  (registers routes on bp)
