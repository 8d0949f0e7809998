"""The default backend: a Whoosh index in the instance folder.

Layout: <root>/live is a symlink to the index directory in use (index-<stamp>). A rebuild writes a
new directory beside it and swaps the symlink with one rename, so readers never see half an index.
Each document type is its own Whoosh index inside that directory (index name hplearn_<type>), so
the stream of Q&A writes in the evening never throws away the resource searcher and its caches.
Writers take Whoosh's lock with a timeout and fall back to an AsyncWriter (a thread that waits for
the lock), so a request never blocks on another writer for long; readers never need the lock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Existence
from whoosh.index import LockError
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
from hplearn.search.backends.whoosh_sets import EMPTY, SearcherSets, sets_of
from hplearn.search.documents import IndexedDocument

log = logging.getLogger(__name__)

LIVE = "live"
WRITE_LOCK_TIMEOUT = 2.0
RERANK_WINDOW = 50
MAX_RANKED_TERMS = 6
MAX_EXPANSION = 2000
PARALLEL_FROM = 5000
# Each writer process keeps its postings in memory up to WRITER_MB; beyond that Whoosh spills
# sorted runs to disk and merges them, which costs more than the writing itself. So a rebuild uses
# at least one process per core and enough of them that each holds about DOCS_PER_WRITER.
WRITER_MB = 1024
DOCS_PER_WRITER = 50_000
MAX_WRITER_PROCS = 8
PHRASE_BONUS = 1.5
# BM25F (Robertson & Zaragoza, "The Probabilistic Relevance Framework", 2009): per field a
# weight and a length normalization b; one saturation k1 over the weighted frequencies.
BM25F_K1 = 1.2
WORD_FIELDS = (("title", TITLE_BOOST, 0.5), ("meta", META_BOOST, 0.3), ("body", BODY_BOOST, 0.75))
INDEX_NAME = "hplearn"
# Written into each index directory; an index of another format needs `hplearn reindex` (which
# `hplearn init` runs by itself).
FORMAT = "2: one index per document type, BM25F frequencies and lengths, column-only sorts"
FORMAT_FILE = "hplearn-index-format"


class SetCodec(W3Codec):
    """Whoosh's codec minus per-posting length statistics (used only by Whoosh's own scorer)."""

    length_stats = False


class TokenField(FieldType):
    """A field fed a list of tokens from hplearn.search.analysis.

    Whoosh's analyzer is skipped: tokens come analyzed. A scored field (title, meta, body)
    keeps each token's frequency as the posting weight and the field's length per document,
    which is what BM25F needs; the other fields are plain sets, one posting per distinct token.
    """

    def __init__(self, scored: bool = False):
        super().__init__(format=Existence(), analyzer=IDTokenizer(), scorable=scored)

    def index(self, value, **kwargs):
        """One (term, frequency, weight, value) tuple per distinct token."""
        if isinstance(value, DeferredTokens):
            value = value.tokens()
        tokens = value.split() if isinstance(value, str) else value
        if not self.scorable:
            return ((token.encode("utf-8"), 1, 1.0, b"") for token in set(tokens))
        counts = Counter(tokens)
        return ((token.encode("utf-8"), n, float(n), b"") for token, n in counts.items())


class ColumnField(FieldType):
    """A non-negative integer kept only as a sort column: never indexed, stored or scored.

    Whoosh's NUMERIC would also index 8-16 range-query terms per value, which this index never
    uses and which cost about a quarter of the postings a rebuild writes.
    """

    indexed = False

    def __init__(self, typecode: str = "Q"):
        super().__init__(format=None, analyzer=None)
        self.column_type = NumericColumn(typecode, default=0)

    def to_column_value(self, value):
        """The integer itself."""
        return int(value)

    def from_column_value(self, value):
        """The integer itself."""
        return value


class DeferredTokens:
    """One field's tokens of a document, analyzed where the writer runs (see rebuild)."""

    def __init__(self, doc: IndexedDocument, fieldname: str):
        self.doc = doc
        self.fieldname = fieldname

    def tokens(self) -> list[str]:
        """The field's tokens (the document is analyzed once for all its fields)."""
        return _token_lists(self.doc)[self.fieldname]


SCORED_FIELDS = ("title", "meta", "body")
TOKEN_FIELDS = ("title", "meta", "body", "chars", "pinyin", "title_key", "title_pinyin",
                "title_initials")


def build_schema() -> Schema:
    """The index fields: token sets, filter terms, sort columns and the stored id and title."""
    schema = Schema(
        key=ID(unique=True),
        doc_type=ID,
        stored_title=STORED,
        views=ColumnField(),
        title_length=ColumnField("I"),
        published=ColumnField(),
        **{name: TokenField(scored=name in SCORED_FIELDS) for name in TOKEN_FIELDS},
    )
    schema.add("f_*", ID, glob=True)
    return schema


def _token_lists(doc: IndexedDocument) -> dict[str, list[str]]:
    tokens = doc.tokens
    title_key, title_pinyin, title_initials = tokens.title_keys
    return {
        "title": tokens.title,
        "meta": tokens.meta,
        "body": tokens.body,
        "chars": tokens.chars,
        "pinyin": tokens.pinyin,
        "title_key": [title_key] if title_key else [],
        "title_pinyin": [title_pinyin] if title_pinyin else [],
        "title_initials": [title_initials] if len(title_initials) > 1 else [],
    }


def whoosh_fields(doc: IndexedDocument, deferred: bool = False) -> dict:
    """The Whoosh field values of one document (token fields analyzed later if deferred)."""
    values = {name: DeferredTokens(doc, name) for name in TOKEN_FIELDS} if deferred else _token_lists(doc)
    values.update({
        "key": doc.key,
        "doc_type": doc.doc_type,
        "stored_title": f"{doc.object_id}\t{doc.title}\t{compact(normalize(doc.title))}",
        "views": max(0, doc.view_count),
        "title_length": len(doc.title),
        "published": max(0, int(doc.published_ts)),
    })
    values.update({f"f_{name}": value for name, value in doc.fields.items()})
    return values


def _field_tiers(sets: SearcherSets, term) -> list[tuple[float, frozenset[int]]]:
    # Where a word can match, best place first: title, structured fields, body, n-grams, pinyin.
    return sets.cached(("tiers", term), lambda: _read_tiers(sets, term))


def _read_tiers(sets: SearcherSets, term) -> list[tuple[float, frozenset[int]]]:
    tiers = []
    for fieldname, boost in (("title", TITLE_BOOST), ("meta", META_BOOST), ("body", BODY_BOOST)):
        # The frequencies BM25F reads anyway hold the same documents: decode the postings once.
        docs = frozenset().union(
            *(sets.frequencies(fieldname, w).keys() for w in term.alternatives)
        )
        tiers.append((boost, docs))
    if term.char_grams:
        grams = sorted((sets.term("chars", g) for g in term.char_grams), key=len)
        tiers.append((CHARS_BOOST, frozenset.intersection(*grams)))
    if term.pinyin:
        tiers.append((PINYIN_BOOST, sets.term("pinyin", term.pinyin)))
    return tiers


def _term_docs(sets: SearcherSets, term) -> frozenset[int]:
    return sets.cached(
        ("docs", term), lambda: frozenset().union(*(docs for _, docs in _field_tiers(sets, term)))
    )


def matching_docs(sets: SearcherSets, request: BackendQuery) -> set[int]:
    """The document numbers that match the query words and the filters."""
    parts = [_term_docs(sets, term) for term in request.query.terms]
    if not parts:
        return set()
    constraints = [sets.values("doc_type").get(request.doc_type, EMPTY)]
    for name, value in sorted(request.filters.items()):
        constraints.append(sets.values(f"f_{name}").get(value, EMPTY))
    if request.match_all:
        ordered = sorted(parts + constraints, key=len)
        matched = set(ordered[0]).intersection(*ordered[1:])
    else:
        matched = set().union(*parts).intersection(*constraints)
    for object_id in request.exclude_ids:
        matched -= sets.term("key", f"{request.doc_type}:{object_id}")
    return matched


def facet_sets(sets: SearcherSets, matched: set[int], names) -> dict[str, list[tuple[str, int]]]:
    """Counts of each facet value among the matched documents."""
    facets = {}
    for name in names:
        counts = {}
        for value, docs in sets.values(f"f_{name}").items():
            count = len(docs.intersection(matched)) if len(docs) < len(matched) else len(
                matched.intersection(docs))
            if count:
                counts[value] = count
        facets[name] = facet_counts(counts)
    return facets


def _term_scores(sets: SearcherSets, term) -> dict[int, float]:
    # The word's BM25F score in every document it matches, cached per searcher.
    return sets.cached(("bm25f", term), lambda: bm25f_scores(sets, term))


def bm25f_scores(sets: SearcherSets, term) -> dict[int, float]:
    """Each matching document's BM25F score for one query word.

    The word's frequency in title, structured fields and body (any of its synonyms counts) is
    divided by that field's length normalization 1 - b + b * length / average length, weighted
    (title 4 > structured fields 2 > body 1) and summed into one pseudo-frequency f; the score
    is idf * f * (k1 + 1) / (k1 + f), with idf = log(1 + (N - df + 0.5) / (df + 0.5)).
    Documents that hold the word only as character n-grams or as pinyin get the small fixed
    frequency of that field (0.6, 0.3), so exact Chinese matches rank above them.
    """
    pseudo: dict[int, float] = {}
    for fieldname, weight, b in WORD_FIELDS:
        lengths, average = sets.lengths(fieldname)
        average = average or 1.0
        for word in term.alternatives:
            for docnum, frequency in sets.frequencies(fieldname, word).items():
                norm = 1.0 - b + b * (lengths[docnum] or average) / average
                pseudo[docnum] = pseudo.get(docnum, 0.0) + weight * frequency / norm
    for boost, docs in _fallback_tiers(sets, term):
        for docnum in docs.difference(pseudo):
            pseudo[docnum] = boost
    total = max(1, sets.searcher.reader().doc_count_all())
    found = len(pseudo)
    idf = math.log(1 + (total - found + 0.5) / (found + 0.5))
    scale = idf * (BM25F_K1 + 1)
    return {docnum: scale * f / (BM25F_K1 + f) for docnum, f in pseudo.items()}


def _fallback_tiers(sets: SearcherSets, term) -> list[tuple[float, frozenset[int]]]:
    return [(boost, docs) for boost, docs in _field_tiers(sets, term)
            if boost in (CHARS_BOOST, PINYIN_BOOST)]


def rank_by_relevance(sets: SearcherSets, request: BackendQuery, matched, window: int):
    """The best `window` matches with their BM25F scores, best first.

    A document's score is the sum of its BM25F scores for the query words (the
    MAX_RANKED_TERMS rarest). Ties go to the shorter title, then to the more viewed.
    """
    ranked_terms = sorted(request.query.terms, key=lambda t: len(_term_docs(sets, t)))
    per_term = [_term_scores(sets, term) for term in ranked_terms[:MAX_RANKED_TERMS]]
    if len(per_term) == 1 and request.match_all:
        score_of = per_term[0].__getitem__  # every match holds the word
    else:
        score_of = {d: sum(s.get(d, 0.0) for s in per_term) for d in matched}.__getitem__
    best = heapq.nlargest(window, matched, key=score_of)
    if not best:
        return []
    # Documents tied with the last one kept compete for its place by the tiebreak.
    floor = score_of(best[-1])
    tied = [d for d in matched if score_of(d) == floor] if len(best) == window else []
    candidates = set(best).union(tied)
    order = sets.tiebreak()
    ranked = sorted(candidates, key=lambda d: (-score_of(d), order[d]))[:window]
    return [(docnum, score_of(docnum)) for docnum in ranked]


def partition_name(doc_type: str) -> str:
    """The Whoosh index name of one document type inside the index directory."""
    return f"{INDEX_NAME}_{doc_type}"


def _doc_type_of(key: str) -> str:
    return key.partition(":")[0]


def _registered_types() -> list[str]:
    from hplearn.search.documents import document_types

    return [doc_type.name for doc_type in document_types()]


def writer_processes(expected: int) -> int:
    """How many writer processes a rebuild of about `expected` documents uses (1: in-process)."""
    if expected < PARALLEL_FROM:
        return 1
    cores = os.cpu_count() or 1
    return min(MAX_WRITER_PROCS, max(cores, -(-expected // DOCS_PER_WRITER)))


def _broken(action: str, failure: str) -> IndexUnavailable:
    # Built after the handler has let go of the traceback, so Whoosh's files close now.
    log.error("search index: cannot %s: %s", action, failure)
    return IndexUnavailable("搜索索引已损坏，请管理员运行 hplearn reindex 重建。")


class WhooshBackend(SearchBackend):
    """Whoosh indexes under root; one cached searcher per document type and thread."""

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
        """Whether the live index exists, is of this format and every type's index opens."""
        try:
            for doc_type in _registered_types():
                self._open_index(doc_type)
        except IndexUnavailable:
            return False
        return True

    def create_if_missing(self) -> bool:
        """Create an empty live index if there is none."""
        if self.live_dir() is not None:
            return False
        new_dir = self._new_dir()
        self._create_partitions(new_dir, _registered_types())
        self._swap_in(new_dir)
        return True

    @staticmethod
    def _create_partitions(directory: Path, doc_types) -> dict:
        indexes = {name: whoosh_index.create_in(str(directory), build_schema(),
                                                indexname=partition_name(name))
                   for name in doc_types}
        (directory / FORMAT_FILE).write_text(FORMAT + "\n", encoding="utf-8")
        return indexes

    def _new_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        return Path(tempfile.mkdtemp(prefix=f"index-{stamp}-", dir=self.root))

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

    def _live_of_this_format(self) -> Path:
        live = self.live_dir()
        if live is None:
            raise IndexUnavailable("搜索索引不存在，请管理员运行 hplearn reindex 重建。")
        try:
            found = (live / FORMAT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            found = ""
        if found != FORMAT:
            log.error("search index: %s is of another format (%r); run hplearn reindex", live,
                      found)
            raise IndexUnavailable("搜索索引是旧版本的格式，请管理员运行 hplearn reindex 重建。")
        return live

    def _open_index(self, doc_type: str, create: bool = False):
        """The index of one document type (created empty when create and it is missing)."""
        live = self._live_of_this_format()
        name = partition_name(doc_type)
        try:
            if not whoosh_index.exists_in(str(live), indexname=name):
                if not create:
                    return None
                return self._create_partition(live, name)
            return whoosh_index.open_dir(str(live), indexname=name)
        except Exception:  # noqa: BLE001 - any failure to open means a broken index
            failure = traceback.format_exc(limit=3)
        raise _broken(f"open {live}", failure)

    def _create_partition(self, live: Path, name: str):
        # A document type registered after the last rebuild: create its index once, under a
        # lock, because create_in() over an index another process just created would empty it.
        import fcntl

        with (self.root / ".create.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if whoosh_index.exists_in(str(live), indexname=name):
                return whoosh_index.open_dir(str(live), indexname=name)
            return whoosh_index.create_in(str(live), build_schema(), indexname=name)

    def cache_token(self, doc_type: str = "resource") -> str:
        """The live index and the generation of doc_type's index: writes and rebuilds change it."""
        searcher = self.searcher(doc_type)
        generation = searcher.reader().generation() if searcher is not None else -1
        return f"{self.live_dir().name}:{doc_type}:{generation}"

    def searcher(self, doc_type: str = "resource"):
        """This thread's searcher on doc_type's live index (None if it has none yet), reopened
        when the index changed."""
        entries = self._entries()
        cached = entries.get(doc_type)
        live = self.live_dir()
        if cached is not None and cached[0] == live:
            try:
                if cached[1].up_to_date():
                    return cached[1]
            except Exception:  # noqa: BLE001 - a vanished segment: reopen below
                pass
        # Searcher.refresh() would reuse segment readers that miss new deletions: reopen.
        self._forget_searcher(doc_type)
        index = self._open_index(doc_type)
        if index is None:
            return None
        try:
            searcher = index.searcher()
        except Exception:  # noqa: BLE001 - a damaged segment
            failure = traceback.format_exc(limit=3)
        else:
            entries[doc_type] = (live, searcher)
            return searcher
        raise _broken("open a searcher on", failure)

    def _entries(self) -> dict:
        if not hasattr(self._local, "entries"):
            self._local.entries = {}
        return self._local.entries

    def _reading(self, doc_type: str, function, *args, empty=None):
        # Damaged files surface as any error while reading: report the index as unavailable.
        searcher = self.searcher(doc_type)
        if searcher is None:
            return empty
        try:
            return function(searcher, *args)
        except Exception:  # noqa: BLE001
            failure = traceback.format_exc()
        self._forget_searcher(doc_type)
        raise _broken("read", failure)

    def search(self, request: BackendQuery) -> BackendResults:
        """Ranked ids, the match count and facet counts."""
        nothing = BackendResults(ids=[], total=0, facets={f: [] for f in request.facets})
        if request.query.is_empty:
            return BackendResults(ids=[], total=0)
        return self._reading(request.doc_type, self._search, request, empty=nothing)

    def _search(self, searcher, request: BackendQuery) -> BackendResults:
        sets = sets_of(searcher)
        matched = matching_docs(sets, request)
        if not matched:
            return BackendResults(ids=[], total=0, facets={f: [] for f in request.facets})
        end = request.offset + request.limit
        if request.sort == "relevance":
            ids = self._relevance(searcher, sets, matched, request, end)
        else:
            column = sets.column("published" if request.sort == "newest" else "views")
            top = heapq.nlargest(end, matched, key=lambda d: (column[d], d))
            ids = [self._stored(searcher, docnum)[0] for docnum in top[request.offset:]]
        return BackendResults(
            ids=ids,
            total=len(matched),
            facets=facet_sets(sets, matched, request.facets),
        )

    def count(self, request: BackendQuery) -> int:
        """How many documents match (no ranking)."""
        return self._reading(
            request.doc_type, lambda searcher: len(matching_docs(sets_of(searcher), request)),
            empty=0,
        )

    def _relevance(self, searcher, sets, matched, request, end) -> list[int]:
        # The phrase bonus reorders only the first RERANK_WINDOW, so pages never overlap.
        top = rank_by_relevance(sets, request, matched, max(end, RERANK_WINDOW))
        phrase = compact(request.query.normalized)
        head, object_ids = [], {}
        for rank, (docnum, score) in enumerate(top[:RERANK_WINDOW]):
            object_ids[docnum], _, compact_title = self._stored(searcher, docnum)
            if len(phrase) > 1 and phrase in compact_title:
                score *= PHRASE_BONUS
            head.append((-score, rank, docnum))
        ordered = [docnum for _, _, docnum in sorted(head)]
        ordered += [docnum for docnum, _ in top[RERANK_WINDOW:]]
        return [
            object_ids.get(docnum) or self._stored(searcher, docnum)[0]
            for docnum in ordered[request.offset:end]
        ]

    @staticmethod
    def _stored(searcher, docnum) -> tuple[int, str, str]:
        # (object id, title, the title normalized without spaces)
        object_id, title, compact_title = searcher.stored_fields(docnum)["stored_title"].split("\t")
        return int(object_id), title, compact_title

    def suggest(self, prefix: str, doc_type: str, limit: int) -> list[str]:
        """Titles whose start matches prefix, most viewed first."""
        return self._reading(doc_type, self._suggest, prefix, doc_type, limit, empty=[])

    def _suggest(self, searcher, prefix: str, doc_type: str, limit: int) -> list[str]:
        if searcher.doc_count() == 0:
            return []
        sets = sets_of(searcher)
        reader = searcher.reader()
        docs: set[int] = set()
        for fieldname in ("title_key", "title_pinyin", "title_initials"):
            for term in itertools.islice(reader.expand_prefix(fieldname, prefix), MAX_EXPANSION):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                docs |= sets.term(fieldname, text)
        docs &= sets.values("doc_type").get(doc_type, EMPTY)
        views = sets.column("views")
        top = heapq.nlargest(limit * 3, docs, key=lambda d: (views[d], -d))
        titles = [self._stored(searcher, docnum)[1] for docnum in top]
        return list(dict.fromkeys(titles))[:limit]

    # -- writing --------------------------------------------------------------------------

    @property
    def _rebuild_marker(self) -> Path:
        return self.root / "REBUILDING"

    @property
    def _journal(self) -> Path:
        return self.root / "changed-during-rebuild.txt"

    def apply(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        """Write one batch; never wait more than WRITE_LOCK_TIMEOUT for another writer."""
        if upserts or deletes:
            self.apply_batches([(upserts, deletes)])

    def apply_batches(self, batches: Iterable[tuple[list[IndexedDocument], list[str]]]) -> None:
        """Write every batch with one writer and one commit per document type (each commit
        may merge segments)."""
        writers: dict[str, object] = {}

        def writer_for(doc_type: str, changes: int):
            if doc_type not in writers:
                writers[doc_type] = self._writer(doc_type, changes)
            return writers[doc_type]

        try:
            for upserts, deletes in batches:
                if upserts or deletes:
                    self._note_if_rebuilding(upserts, deletes)
                    changes = len(upserts) + len(deletes)
                    for key in deletes:
                        writer_for(_doc_type_of(key), changes).delete_by_term("key", key)
                    for doc in upserts:
                        writer_for(doc.doc_type, changes).update_document(**whoosh_fields(doc))
        except BaseException:
            for writer in writers.values():
                writer.cancel()
            raise
        for writer in writers.values():
            writer.commit()

    def _note_if_rebuilding(self, upserts: list[IndexedDocument], deletes: list[str]) -> None:
        # Noted before writing: the rebuild replays these once its index is live.
        if self._rebuild_marker.exists():
            with self._journal.open("a", encoding="utf-8") as journal:
                journal.write("".join(f"{key}\n" for key in [*deletes, *(d.key for d in upserts)]))

    def _writer(self, doc_type: str, changes: int):
        index = self._open_index(doc_type, create=True)
        try:
            return index.writer(timeout=WRITE_LOCK_TIMEOUT, codec=SetCodec())
        except LockError:
            log.info("search index busy: queueing %d or more changes", changes)
            return AsyncWriter(index, delay=0.25, writerargs={"codec": SetCodec()})

    def changed_during_rebuild(self) -> list[str]:
        """Keys written to the old index while the last rebuild ran (read once)."""
        try:
            keys = self._journal.read_text(encoding="utf-8").split()
        except OSError:
            return []
        self._journal.unlink(missing_ok=True)
        return list(dict.fromkeys(keys))

    def rebuild(
        self, batches: Iterable[list[IndexedDocument]], progress: Progress, expected: int = 0
    ) -> int:
        """Write every document into a new directory, then swap it in."""
        new_dir = self._new_dir()
        self._journal.unlink(missing_ok=True)
        self._rebuild_marker.write_text(str(os.getpid()))
        try:
            written = self._write_all(new_dir, batches, progress, expected)
            self._swap_in(new_dir)
        except BaseException:
            shutil.rmtree(new_dir, ignore_errors=True)
            raise
        finally:
            self._rebuild_marker.unlink(missing_ok=True)
        self._forget_searcher()
        return written

    def _forget_searcher(self, doc_type: str | None = None) -> None:
        entries = self._entries()
        for name in [doc_type] if doc_type else list(entries):
            cached = entries.pop(name, None)
            if cached is not None:
                cached[1].close()

    @staticmethod
    def _write_all(new_dir: Path, batches, progress: Progress, expected: int) -> int:
        indexes = WhooshBackend._create_partitions(new_dir, _registered_types())
        deferred = expected >= PARALLEL_FROM
        writer, writing = None, None
        written = 0
        try:
            for batch in batches:
                for doc in batch:
                    if doc.doc_type != writing:  # batches come one document type after another
                        if writer is not None:
                            writer.commit()
                        writing = doc.doc_type
                        writer = indexes[writing].writer(
                            limitmb=WRITER_MB, codec=SetCodec(),
                            procs=writer_processes(expected), multisegment=True,
                        )
                    writer.add_document(**whoosh_fields(doc, deferred=deferred))
                written += len(batch)
                progress(written)
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        if writer is not None:
            writer.commit()
        return written

