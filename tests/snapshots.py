"""A database saved once and put back before each test that starts from it.

Building the same rows for every case of a large parametrized test (the permission matrix: 1,400
cases, a dozen accounts each) costs far more than the request each case makes. On SQLite the rows
are saved with SQLite's backup API and copied back in a few milliseconds; on PostgreSQL the tables
are emptied (ids restart) and the caller builds its rows again.
"""

from __future__ import annotations

import sqlite3

from hplearn.extensions import db


class SavedDatabase:
    """The rows of the current app's database at the moment it was made."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        self._copy: sqlite3.Connection | None = None
        if self._path:
            db.session.commit()
            self._copy = sqlite3.connect(":memory:")
            with sqlite3.connect(self._path) as source:
                source.backup(self._copy)

    def restore(self) -> bool:
        """Put the saved rows back; False when the caller must build them again (PostgreSQL)."""
        db.session.remove()
        if self._copy is None:
            from tests.conftest import empty_database

            empty_database(self._url)
            return False
        db.engine.dispose()  # (no connection may hold the file while it is overwritten)
        target = sqlite3.connect(self._path)
        try:
            self._copy.backup(target)
        finally:
            target.close()
        return True
