"""Search backends behind one interface: whoosh (default) and postgres."""

from __future__ import annotations

from pathlib import Path

from hplearn.search.backends.base import SearchBackend

BACKENDS = ("whoosh", "postgres")


class UnknownBackend(ValueError):
    """HPLEARN_SEARCH_BACKEND names no backend."""


def make_backend(name: str, instance_path: str) -> SearchBackend:
    """Build the backend called name for an app whose instance folder is instance_path."""
    if name == "whoosh":
        from hplearn.search.backends.whoosh import WhooshBackend

        return WhooshBackend(Path(instance_path) / "search-index")
    if name == "postgres":
        from hplearn.search.backends.postgres_backend import PostgresBackend

        return PostgresBackend()
    raise UnknownBackend(f"unknown search backend {name!r}: use one of {', '.join(BACKENDS)}")
