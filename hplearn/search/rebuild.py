"""Rebuild the whole index from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import func, select

from hplearn.extensions import db
from hplearn.search import engine
from hplearn.search.documents import (
    DocumentType,
    IndexedDocument,
    document_key,
    document_type,
    document_types,
    indexed,
)

BATCH_SIZE = 1000


def _candidates(doc_type: DocumentType):
    return doc_type.rebuild_query() if doc_type.rebuild_query else select(doc_type.model)


def _rows(doc_type: DocumentType):
    return db.session.scalars(_candidates(doc_type).execution_options(yield_per=BATCH_SIZE))


def candidate_count(session=None) -> int:
    """How many rows a rebuild will read (in session, default the app's)."""
    session = session or db.session
    return sum(
        session.scalar(select(func.count()).select_from(_candidates(t).order_by(None).subquery()))
        for t in document_types()
    )


def indexed_batches(batch_size: int = BATCH_SIZE) -> Iterator[list[IndexedDocument]]:
    """Every indexable row of every registered type, analyzed, batch_size at a time."""
    for doc_type in document_types():
        batch: list[IndexedDocument] = []
        for row in _rows(doc_type):
            if doc_type.is_indexable(row):
                batch.append(indexed(doc_type.name, doc_type.to_document(row)))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def reindex_keys(keys: list[str]) -> None:
    """Bring these documents up to date from the database (write or remove each)."""
    ids_by_type: dict[str, list[int]] = {}
    for key in keys:
        name, _, object_id = key.partition(":")
        ids_by_type.setdefault(name, []).append(int(object_id))
    for name, object_ids in ids_by_type.items():
        reindex_objects(name, object_ids)


def reindex_objects(doc_type_name: str, object_ids, batch_size: int = BATCH_SIZE) -> int:
    """Rewrite the documents of these rows from the database, loaded and analyzed in batches.

    doc_type_name: a registered document type.
    object_ids: primary keys; rows gone or no longer indexable are removed from the index.
    batch_size: rows loaded per query and handed to the backend per batch (Whoosh commits
        all batches once).
    Returns how many documents were written; raises IndexUnavailable like the backend.
    """
    return _rewrite(doc_type_name, object_ids, batch_size, bulk=False)


def _rewrite(doc_type_name: str, object_ids, batch_size: int, bulk: bool) -> int:
    # bulk: through the backend's bulk writer (for many rows: one process per core).
    doc_type = document_type(doc_type_name)
    ids = sorted(set(object_ids))
    written = 0

    def batches():
        nonlocal written
        for start in range(0, len(ids), batch_size):
            upserts, deletes = _documents_of(doc_type, ids[start:start + batch_size])
            written += len(upserts)
            yield upserts, deletes

    backend = engine.backend()
    if not bulk:
        backend.apply_batches(batches())
        return written
    writer = backend.bulk_writer(len(ids))
    try:
        for upserts, deletes in batches():
            writer.add(upserts, deletes)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return written


def _documents_of(doc_type: DocumentType, ids: list[int]):
    model = doc_type.model
    query = (
        select(model).where(model.id.in_(ids)).options(*doc_type.load_options)
        .execution_options(populate_existing=True)
    )
    rows = {row.id: row for row in db.session.scalars(query)}
    upserts, deletes = [], []
    for object_id in ids:
        row = rows.get(object_id)
        if row is not None and doc_type.is_indexable(row):
            upserts.append(indexed(doc_type.name, doc_type.to_document(row)))
        else:
            deletes.append(document_key(doc_type.name, object_id))
    return upserts, deletes


def candidate_ids(doc_type_name: str) -> set[int]:
    """The ids of the rows a rebuild would index for one document type."""
    doc_type = document_type(doc_type_name)
    rows = _candidates(doc_type).order_by(None).subquery()
    return set(db.session.scalars(select(rows.c.id)))


def index_gaps(doc_type_name: str) -> tuple[set[int], set[int]]:
    """(ids the index lacks, ids it holds that the database no longer indexes) for one type.

    A commit whose after-commit index phase never ran (a killed import) leaves such gaps;
    raises IndexUnavailable like the backend.
    """
    expected = candidate_ids(doc_type_name)
    indexed = engine.backend().indexed_ids(doc_type_name)
    return expected - indexed, indexed - expected


def repair_index(doc_type_names=None) -> int:
    """Write the documents the index lacks and remove those it should not hold; return how many
    documents changed (every registered type unless doc_type_names is given)."""
    names = doc_type_names or [doc_type.name for doc_type in document_types()]
    changed = 0
    for name in names:
        missing, stale = index_gaps(name)
        if missing or stale:
            _rewrite(name, missing | stale, BATCH_SIZE, bulk=True)
            changed += len(missing) + len(stale)
    return changed


def rebuild_index(progress: Callable[[int], None] = lambda done: None) -> int:
    """Build a new index beside the live one and swap it in; return the documents written."""
    backend = engine.backend()
    written = backend.rebuild(indexed_batches(), progress, expected=candidate_count())
    reindex_keys(backend.changed_during_rebuild())
    engine.clear_problem()
    return written
