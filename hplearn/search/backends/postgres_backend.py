"""The postgres backend: PostgreSQL full-text search over tokens segmented in the application.

Documents live in search_entries (hplearn.search.models), so every app server shares one index.
Tokens come from hplearn.search.analysis and are written as tsvector literals with weights
(title A, structured fields B, body C, character n-grams and pinyin D), never through a
PostgreSQL text-search parser, so Chinese words stay whole. Ranking is ts_rank with those
weights, divided by 1 + log(document length), and a bonus when the title holds the whole query:
PostgreSQL's nearest to BM25F (each further occurrence of a word adds less, the best-weighted
first, and long documents are damped); filters and facets are SQL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from sqlalchemy import delete, inspect, select, text
from sqlalchemy.dialects.postgresql import insert

from hplearn.extensions import db
from hplearn.search.analysis import AnalyzedQuery, QueryTerm, compact, normalize
from hplearn.search.backends.base import (
    BackendQuery,
    BackendResults,
    IndexUnavailable,
    Progress,
    SearchBackend,
    facet_counts,
)
from hplearn.search.documents import IndexedDocument
from hplearn.search.models import SearchEntry

log = logging.getLogger(__name__)

MAX_POSITION = 16383
# ts_rank weights in the order {D, C, B, A}; normalization 1 divides by 1 + log(length).
RANK_WEIGHTS = "{0.08, 0.3, 0.6, 1.0}"
RANK_NORMALIZATION = 1
PHRASE_BONUS = 1.5
INSERT_BATCH = 500


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(weighted_tokens: Iterable[tuple[str, str]]) -> str:
    """A tsvector in PostgreSQL's input syntax: 'token':1A,5C … (positions keep their order)."""
    positions: dict[str, list[str]] = {}
    for position, (token, weight) in enumerate(weighted_tokens, start=1):
        positions.setdefault(token, []).append(f"{min(position, MAX_POSITION)}{weight}")
    return " ".join(f"{_quote(token)}:{','.join(where)}" for token, where in positions.items())


def document_vector(doc: IndexedDocument) -> str:
    """The weighted tsvector literal of a document."""
    tokens = doc.tokens
    weighted = [(t, "A") for t in tokens.title]
    weighted += [(t, "B") for t in tokens.meta]
    weighted += [(t, "C") for t in tokens.body]
    weighted += [(t, "D") for t in tokens.chars + tokens.pinyin]
    return tsvector_literal(weighted)


def _term_query(term: QueryTerm) -> str:
    options = [f"{_quote(word)}:ABC" for word in term.alternatives]
    if term.char_grams:
        grams = " & ".join(f"{_quote(g)}:D" for g in term.char_grams)
        options.append(f"({grams})")
    if term.pinyin:
        options.append(f"{_quote(term.pinyin)}:D")
    return "(" + " | ".join(options) + ")"


def tsquery_literal(query: AnalyzedQuery, match_all: bool = True) -> str:
    """The tsquery of an analyzed query (lexemes quoted: nothing the user typed is parsed)."""
    joiner = " & " if match_all else " | "
    return joiner.join(_term_query(term) for term in query.terms)


def _row(doc: IndexedDocument) -> dict:
    return {
        "key": doc.key,
        "doc_type": doc.doc_type,
        "object_id": doc.object_id,
        "title": doc.title,
        "title_compact": compact(normalize(doc.title)),
        "fields": doc.fields,
        "view_count": doc.view_count,
        "published_ts": int(doc.published_ts),
        "document": document_vector(doc),
        "prefixes": tsvector_literal((key, "A") for key in doc.tokens.title_keys if key),
    }


class PostgresBackend(SearchBackend):
    """The index as a table in the application's PostgreSQL database."""

    name = "postgres"

    def _check(self) -> None:
        if db.engine.dialect.name != "postgresql":
            raise IndexUnavailable("postgres 搜索后端需要 PostgreSQL 数据库，请检查 HPLEARN_DATABASE_URL。")

    def ready(self) -> bool:
        """Whether the table exists in a PostgreSQL database."""
        try:
            self._check()
        except IndexUnavailable:
            return False
        return inspect(db.engine).has_table(SearchEntry.__tablename__)

    # -- writing --------------------------------------------------------------------------

    def _write(self, connection, upserts: list[IndexedDocument]) -> None:
        table = SearchEntry.__table__
        for start in range(0, len(upserts), INSERT_BATCH):
            rows = [_row(doc) for doc in upserts[start:start + INSERT_BATCH]]
            statement = insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={c: statement.excluded[c] for c in rows[0] if c != "key"},
            )
            connection.execute(statement, rows)

    def apply(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Upsert and delete in one transaction of its own."""
        self._check()
        with db.engine.begin() as connection:
            if deletes:
                table = SearchEntry.__table__
                connection.execute(delete(table).where(table.c.key.in_(deletes)))
            if upserts:
                self._write(connection, upserts)

    def rebuild(
        self, batches: Iterable[list[IndexedDocument]], progress: Progress, expected: int = 0
    ) -> int:
        """Replace every row in one transaction: readers see the old index until it commits."""
        self._check()
        written = 0
        with db.engine.begin() as connection:
            connection.execute(delete(SearchEntry.__table__))
            for batch in batches:
                if batch:
                    self._write(connection, batch)
                written += len(batch)
                progress(written)
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE search_entries"))
        return written

    # -- reading --------------------------------------------------------------------------

    def indexed_ids(self, doc_type: str) -> set[int]:
        """The object ids of doc_type's rows in the table."""
        self._check()
        with db.engine.connect() as connection:
            return set(connection.scalars(
                select(SearchEntry.object_id).where(SearchEntry.doc_type == doc_type)))

    @staticmethod
    def _where(request: BackendQuery) -> tuple[str, dict]:
        clauses = ["doc_type = :doc_type", "document @@ CAST(:tsquery AS tsquery)"]
        params = {
            "doc_type": request.doc_type,
            "tsquery": tsquery_literal(request.query, request.match_all),
        }
        exact = {k: v for k, v in request.filters.items() if not isinstance(v, tuple)}
        if exact:
            clauses.append("fields @> CAST(:filters AS jsonb)")
            params["filters"] = json.dumps(exact, ensure_ascii=False)
        alternatives = [(k, v) for k, v in sorted(request.filters.items()) if isinstance(v, tuple)]
        for number, (name, values) in enumerate(alternatives):
            clauses.append(f"fields ->> :any_name_{number} = ANY(:any_values_{number})")
            params[f"any_name_{number}"] = name
            params[f"any_values_{number}"] = list(values)
        if request.exclude_ids:
            clauses.append("NOT (object_id = ANY(:exclude_ids))")
            params["exclude_ids"] = list(request.exclude_ids)
        return " AND ".join(clauses), params

    def search(self, request: BackendQuery) -> BackendResults:
        """Ranked ids, the match count and facet counts, in three statements."""
        if request.query.is_empty:
            return BackendResults(ids=[], total=0)
        self._check()
        where, params = self._where(request)
        try:
            with db.engine.connect() as connection:
                if request.want_total or request.facets:
                    total = self._count(connection, where, params)
                    ids = self._ranked_ids(connection, where, params, request) if total else []
                else:  # one full-text scan instead of two
                    ids = self._ranked_ids(connection, where, params, request)
                    total = len(ids)
                facets = self._facets(connection, where, params, request) if total else {}
        except Exception as error:
            log.exception("postgres search failed: %s", error)
            raise IndexUnavailable("搜索索引不可用，请管理员运行 hplearn reindex 重建。") from error
        for name in request.facets:
            facets.setdefault(name, [])
        return BackendResults(ids=ids, total=total, facets=facets)

    def count(self, request: BackendQuery) -> int:
        """How many documents match (one count statement)."""
        if request.query.is_empty:
            return 0
        self._check()
        where, params = self._where(request)
        try:
            with db.engine.connect() as connection:
                return self._count(connection, where, params)
        except Exception as error:
            log.exception("postgres search failed: %s", error)
            raise IndexUnavailable("搜索索引不可用，请管理员运行 hplearn reindex 重建。") from error

    @staticmethod
    def _count(connection, where: str, params: dict) -> int:
        statement = text(f"SELECT count(*) FROM search_entries WHERE {where}")
        return connection.execute(statement, params).scalar_one()

    @staticmethod
    def _ranked_ids(connection, where: str, params: dict, request: BackendQuery) -> list[int]:
        if request.sort == "newest":
            order = "published_ts DESC, object_id DESC"
        elif request.sort == "popular":
            order = "view_count DESC, object_id DESC"
        else:
            order = (
                "ts_rank(CAST(:weights AS float4[]), document, CAST(:tsquery AS tsquery),"
                " :normalization)"
                " * CASE WHEN length(:phrase) > 1 AND strpos(title_compact, :phrase) > 0"
                " THEN :bonus ELSE 1 END DESC, object_id"
            )
        statement = text(
            f"SELECT object_id FROM search_entries WHERE {where}"
            f" ORDER BY {order} LIMIT :limit OFFSET :offset"
        )
        rows = connection.execute(statement, {
            **params, "weights": RANK_WEIGHTS, "normalization": RANK_NORMALIZATION,
            "phrase": compact(request.query.normalized),
            "bonus": PHRASE_BONUS, "limit": request.limit, "offset": request.offset,
        })
        return [row[0] for row in rows]

    @staticmethod
    def _facets(connection, where: str, params: dict, request: BackendQuery) -> dict:
        if not request.facets:
            return {}
        statement = text(
            "SELECT f.key, f.value, count(*) FROM search_entries"
            " CROSS JOIN LATERAL jsonb_each_text(fields) AS f(key, value)"
            f" WHERE {where} AND f.key = ANY(:facet_names) GROUP BY f.key, f.value"
        )
        counts: dict[str, dict[str, int]] = {}
        for name, value, count in connection.execute(
            statement, {**params, "facet_names": list(request.facets)}
        ):
            counts.setdefault(name, {})[value] = count
        return {name: facet_counts(values) for name, values in counts.items()}

    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles whose start matches prefix, most viewed first."""
        self._check()
        statement = text(
            "SELECT title FROM search_entries WHERE doc_type = :doc_type"
            " AND prefixes @@ CAST(:prefix AS tsquery)"
            " ORDER BY view_count DESC, object_id LIMIT :limit"
        )
        try:
            with db.engine.connect() as connection:
                titles = connection.execute(statement, {
                    "doc_type": doc_type, "prefix": _quote(prefix) + ":*", "limit": limit * 3,
                }).scalars().all()
        except Exception as error:
            raise IndexUnavailable("搜索索引不可用，请管理员运行 hplearn reindex 重建。") from error
        return list(dict.fromkeys(titles))[:limit]
