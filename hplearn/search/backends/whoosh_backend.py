"""The default backend: a Whoosh index in the instance folder.

Layout: <root>/live is a symlink to the index directory in use (index-<stamp>). A rebuild writes a
new directory beside it and swaps the symlink with one rename, so readers never see half an index.
Writers take Whoosh's lock with a timeout and fall back to an AsyncWriter (a thread that waits for
the lock), so a request never blocks on another writer for long; readers never need the lock.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, Not, Or, Term
from whoosh.writing import AsyncWriter

from hplearn.search.analysis import compact, normalize
from hplearn.search.backends.base import (
    BODY_BOOST,
    CHARS_BOOST,
    META_BOOST,
    PINYIN_BOOST,
    TITLE_BOOST,
    BackendQuery,
    BackendResults,
    IndexUnavailable,
    Progress,
    SearchBackend,
    facet_counts,
)
from hplearn.search.documents import IndexedDocument

log = logging.getLogger(__name__)

LIVE = "live"
WRITE_LOCK_TIMEOUT = 2.0
RERANK_WINDOW = 50
PHRASE_BONUS = 1.5
INDEX_NAME = "hplearn"


def build_schema() -> Schema:
    """The index fields: pre-tokenized text, filter terms, sort columns and the stored title."""
    tokens = SpaceSeparatedTokenizer()
    schema = Schema(
        key=ID(unique=True, stored=True),
        doc_type=ID,
        title=TEXT(analyzer=tokens, phrase=False),
        meta=TEXT(analyzer=tokens, phrase=False),
        body=TEXT(analyzer=tokens, phrase=False),
        chars=TEXT(analyzer=tokens, phrase=False),
        pinyin=TEXT(analyzer=tokens, phrase=False),
        prefix=TEXT(analyzer=tokens, phrase=False),
        stored_title=STORED,
        views=NUMERIC(int, bits=64, sortable=True, signed=False),
        published=NUMERIC(int, bits=64, sortable=True, signed=False),
    )
    schema.add("f_*", ID, glob=True)
    return schema


def whoosh_fields(doc: IndexedDocument) -> dict:
    """The Whoosh field values of one document."""
    tokens = doc.tokens
    values = {
        "key": doc.key,
        "doc_type": doc.doc_type,
        "title": " ".join(tokens.title),
        "meta": " ".join(tokens.meta),
        "body": " ".join(tokens.body),
        "chars": " ".join(tokens.chars),
        "pinyin": " ".join(tokens.pinyin),
        "prefix": " ".join(tokens.prefix),
        "stored_title": f"{doc.object_id}\t{doc.title}",
        "views": max(0, doc.view_count),
        "published": max(0, int(doc.published_ts)),
    }
    values.update({f"f_{name}": value for name, value in doc.fields.items()})
    return values


def _term_clause(term):
    clauses = []
    for word in term.alternatives:
        clauses.append(Term("title", word, boost=TITLE_BOOST))
        clauses.append(Term("meta", word, boost=META_BOOST))
        clauses.append(Term("body", word, boost=BODY_BOOST))
    if term.char_grams:
        grams = [Term("chars", g, boost=CHARS_BOOST) for g in term.char_grams]
        clauses.append(grams[0] if len(grams) == 1 else And(grams))
    if term.pinyin:
        clauses.append(Term("pinyin", term.pinyin, boost=PINYIN_BOOST))
    return Or(clauses)


def build_query(request: BackendQuery):
    """The Whoosh query for an analyzed query (built from terms: no parser, nothing to escape)."""
    clauses = [_term_clause(term) for term in request.query.terms]
    if not clauses:
        return None
    return And(clauses) if request.match_all else Or(clauses)


def build_filter(request: BackendQuery):
    """The filter: document type, field values and excluded ids."""
    parts = [Term("doc_type", request.doc_type)]
    parts += [Term(f"f_{name}", value) for name, value in sorted(request.filters.items())]
    query = And(parts)
    if request.exclude_ids:
        excluded = Or([Term("key", f"{request.doc_type}:{i}") for i in request.exclude_ids])
        query = And([query, Not(excluded)])
    return query


class WhooshBackend(SearchBackend):
    """Whoosh index under root; one cached searcher per thread."""

    name = "whoosh"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._local = threading.local()

    # -- locations ------------------------------------------------------------------------

    @property
    def live_link(self) -> Path:
        """The symlink naming the index directory in use."""
        return self.root / LIVE

    def live_dir(self) -> Path | None:
        """The index directory in use, or None."""
        try:
            target = os.readlink(self.live_link)
        except OSError:
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def ready(self) -> bool:
        """Whether the live index exists and opens."""
        try:
            self._open_index()
        except IndexUnavailable:
            return False
        return True

    def create_if_missing(self) -> bool:
        """Create an empty live index if there is none."""
        if self.live_dir() is not None:
            return False
        new_dir = self._new_dir()
        whoosh_index.create_in(str(new_dir), build_schema(), indexname=INDEX_NAME)
        self._swap_in(new_dir)
        return True

    def _new_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        path = self.root / f"index-{stamp}-{os.getpid()}-{threading.get_ident() % 10000}"
        path.mkdir()
        return path

    def _swap_in(self, new_dir: Path) -> None:
        previous = self.live_dir()
        scratch = self.root / f".{LIVE}.{os.getpid()}.{threading.get_ident()}"
        scratch.unlink(missing_ok=True)
        os.symlink(new_dir.name, scratch)
        os.replace(scratch, self.live_link)
        self._remove_old_dirs(keep={new_dir.name, previous.name if previous else ""})

    def _remove_old_dirs(self, keep: set[str]) -> None:
        # The previous index stays one round so readers still holding it can finish.
        for path in self.root.glob("index-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- reading --------------------------------------------------------------------------

    def _open_index(self):
        live = self.live_dir()
        if live is None:
            raise IndexUnavailable("搜索索引不存在，请管理员运行 hplearn reindex 重建。")
        try:
            return whoosh_index.open_dir(str(live), indexname=INDEX_NAME)
        except Exception as error:  # noqa: BLE001 - any failure to open means a broken index
            log.error("search index at %s cannot be opened: %s", live, error)
            raise IndexUnavailable("搜索索引已损坏，请管理员运行 hplearn reindex 重建。") from error

    def searcher(self):
        """This thread's searcher on the live index, reopened when the index changed."""
        cached = getattr(self._local, "entry", None)
        live = self.live_dir()
        if cached is not None and cached[0] == live:
            try:
                if cached[1].up_to_date():
                    return cached[1]
            except Exception:  # noqa: BLE001 - a vanished segment: reopen below
                pass
            # Searcher.refresh() would reuse segment readers that miss new deletions.
            cached[1].close()
        try:
            searcher = self._open_index().searcher()
        except IndexUnavailable:
            raise
        except Exception as error:  # noqa: BLE001
            raise IndexUnavailable("搜索索引已损坏，请管理员运行 hplearn reindex 重建。") from error
        self._local.entry = (live, searcher)
        return searcher

    def search(self, request: BackendQuery) -> BackendResults:
        """Ranked ids, the match count and facet counts."""
        query = build_query(request)
        if query is None:
            return BackendResults(ids=[], total=0)
        try:
            return self._search(self.searcher(), query, request)
        except IndexUnavailable:
            raise
        except Exception as error:  # noqa: BLE001 - damaged files surface while reading
            log.error("search index read failed: %s", error)
            self._local.entry = None
            raise IndexUnavailable("搜索索引已损坏，请管理员运行 hplearn reindex 重建。") from error

    def _search(self, searcher, query, request: BackendQuery) -> BackendResults:
        filter_query = build_filter(request)
        matched = set(searcher.docs_for_query(And([query, filter_query])))
        if not matched:
            return BackendResults(ids=[], total=0, facets={f: [] for f in request.facets})
        end = request.offset + request.limit
        if request.sort == "relevance":
            ranked = self._relevance(searcher, query, matched, request, end)
        else:
            column = "published" if request.sort == "newest" else "views"
            results = searcher.search(
                query, filter=matched, limit=end, sortedby=column, reverse=True, scored=False
            )
            ranked = [self._object_id(searcher, hit.docnum) for hit in results]
        return BackendResults(
            ids=ranked[request.offset:end],
            total=len(matched),
            facets=self._facets(searcher, matched, request.facets),
        )

    def _relevance(self, searcher, query, matched, request, end) -> list[int]:
        window = max(end, RERANK_WINDOW)
        results = searcher.search(query, filter=matched, limit=window)
        phrase = compact(request.query.normalized)
        scored = []
        for rank, hit in enumerate(results):
            object_id, title = self._stored(searcher, hit.docnum)
            score = hit.score
            if len(phrase) > 1 and phrase in compact(normalize(title)):
                score *= PHRASE_BONUS
            scored.append((-score, rank, object_id))
        scored.sort()
        return [object_id for _, _, object_id in scored[:end]]

    @staticmethod
    def _stored(searcher, docnum) -> tuple[int, str]:
        object_id, _, title = searcher.stored_fields(docnum)["stored_title"].partition("\t")
        return int(object_id), title

    def _object_id(self, searcher, docnum) -> int:
        return self._stored(searcher, docnum)[0]

    def _facets(self, searcher, matched: set[int], names) -> dict[str, list[tuple[str, int]]]:
        postings = self._facet_postings(searcher)
        facets = {}
        for name in names:
            counts = {}
            for value, docs in postings.get(name, {}).items():
                count = len(matched & docs) if len(docs) < len(matched) else len(docs & matched)
                if count:
                    counts[value] = count
            facets[name] = facet_counts(counts)
        return facets

    @staticmethod
    def _facet_postings(searcher) -> dict[str, dict[str, frozenset[int]]]:
        # Built once per searcher generation: the document sets of every facet value.
        cached = getattr(searcher, "_hplearn_facets", None)
        if cached is not None:
            return cached
        reader = searcher.reader()
        postings: dict[str, dict[str, frozenset[int]]] = {}
        for fieldname in reader.indexed_field_names():
            if not fieldname.startswith("f_"):
                continue
            values = postings.setdefault(fieldname[2:], {})
            for term in reader.lexicon(fieldname):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                values[text] = frozenset(searcher.postings(fieldname, term).all_ids())
        searcher._hplearn_facets = postings
        return postings

    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles whose start matches prefix, most viewed first."""
        searcher = self.searcher()
        query = And([Term("prefix", prefix), Term("doc_type", doc_type)])
        results = searcher.search(query, limit=limit * 3, sortedby="views", reverse=True)
        titles = [self._stored(searcher, hit.docnum)[1] for hit in results]
        return list(dict.fromkeys(titles))[:limit]

    # -- writing --------------------------------------------------------------------------

    def apply(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write one batch; never wait more than WRITE_LOCK_TIMEOUT for another writer."""
        if not upserts and not deletes:
            return
        index = self._open_index()
        try:
            writer = index.writer(timeout=WRITE_LOCK_TIMEOUT)
        except LockError:
            log.info("search index busy: queueing %d changes", len(upserts) + len(deletes))
            writer = AsyncWriter(index, delay=0.25)
        for key in deletes:
            writer.delete_by_term("key", key)
        for doc in upserts:
            writer.update_document(**whoosh_fields(doc))
        writer.commit()

    def rebuild(self, batches: Iterable[list[IndexedDocument]], progress: Progress) -> int:
        """Write every document into a new directory, then swap it in."""
        new_dir = self._new_dir()
        try:
            index = whoosh_index.create_in(str(new_dir), build_schema(), indexname=INDEX_NAME)
            writer = index.writer(limitmb=256)
            written = 0
            for batch in batches:
                for doc in batch:
                    writer.add_document(**whoosh_fields(doc))
                written += len(batch)
                progress(written)
            writer.commit(optimize=True)
        except BaseException:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
        self._swap_in(new_dir)
        self._local.entry = None
        return written
