"""The search engine bound to an app: its backend, synonyms and the admin notice."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from hplearn.search import analysis, models  # noqa: F401  (models: the postgres index table)
from hplearn.search.backends import make_backend
from hplearn.search.backends.base import SearchBackend

log = logging.getLogger(__name__)
EXTENSION = "hplearn_search"
PROBLEM_FILE = "search-problem.txt"


def init_app(app: Flask) -> None:
    """Attach the configured backend to app, load the analysis dictionaries, follow commits.

    Features register their document types (register_document_type) from their init_app.
    """
    from hplearn.search import hooks

    backend = make_backend(app.config["SEARCH_BACKEND"], app.instance_path)
    app.extensions[EXTENSION] = backend
    analysis.configure(Path(app.config["CONTENT_DIR"]) / "synonyms.txt")
    hooks.init_app(app)
    app.add_template_global(current_problem, "search_problem")


def backend(app: Flask | None = None) -> SearchBackend:
    """The search backend of the current app."""
    return (app or current_app).extensions[EXTENSION]


def is_enabled(app: Flask | None = None) -> bool:
    """Whether the app has a search engine."""
    return EXTENSION in (app or current_app).extensions


def _problem_path(app: Flask) -> Path:
    return Path(app.instance_path) / PROBLEM_FILE


def record_problem(message: str, app: Flask | None = None) -> None:
    """Remember a search problem so admins see it on /admin (until the next rebuild)."""
    app = app or current_app
    log.error("search problem: %s", message)
    try:
        path = _problem_path(app)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(message, encoding="utf-8")
    except OSError as error:
        log.error("cannot record search problem: %s", error)


def current_problem(app: Flask | None = None) -> str | None:
    """The recorded search problem admins should act on, or None."""
    path = _problem_path(app or current_app)
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def clear_problem(app: Flask | None = None) -> None:
    """Forget the recorded problem (after a successful rebuild)."""
    _problem_path(app or current_app).unlink(missing_ok=True)
