"""Chinese full-text search behind one interface (whoosh or postgres backend).

Other features make their models searchable without hplearn.search importing them::

    from hplearn.search import SearchDocument, register_document_type

    register_document_type(
        "question", Question,
        to_document=lambda q: SearchDocument(id=q.id, title=q.title, body=q.body,
                                             fields={"subject": q.subject}),
        is_indexable=lambda q: q.status == "answered" and not q.private,
        facets=("subject",),
    )

Rows of registered models follow the database after each commit (deleted or no longer
indexable rows are removed); `hplearn reindex` rebuilds everything. To search:

    search.query(text, doc_type="resource", filters={...}, sort="relevance", page=PageRequest)
        -> SearchResults (hits with highlighted title/snippet, total, facets, suggestion)
    search.similar(text, doc_type="question", limit=5, filters={...}, exclude_ids=(…))
        -> model objects, any word may match, best first
    search.suggest(prefix, doc_type="resource") -> titles for autocomplete
    search.mark_for_reindex(session, "question", question)  # when a related row changed
    search.remember_inserted(session, "resource", rows)  # rows a Core INSERT wrote
    search.reindex_objects("resource", ids)  # rewrite rows changed without a hook (bulk updates)
    with search.bulk_indexing(db.session, expected=n): ...  # many commits, one index write
    search.repair_index(["resource"])  # add what the index lacks (a killed import), drop extras

/search and /api/v1/search send `search_performed` (query, filters, result_count) for statistics.
"""

from hplearn.search.documents import SearchDocument, register_document_type
from hplearn.search.hooks import bulk_indexing, mark_for_reindex, remember_inserted
from hplearn.search.rebuild import reindex_objects, repair_index
from hplearn.search.services import query, search_performed, similar, suggest

__all__ = [
    "SearchDocument",
    "bulk_indexing",
    "mark_for_reindex",
    "query",
    "register_document_type",
    "reindex_objects",
    "remember_inserted",
    "repair_index",
    "search_performed",
    "similar",
    "suggest",
]
