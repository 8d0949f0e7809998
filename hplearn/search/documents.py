"""What the index holds: plain SearchDocuments, and the document types features register."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hplearn.search.analysis import AnalyzedFields, analyze_document


@dataclass
class SearchDocument:
    """One searchable thing, as plain data.

    id: the model's primary key.
    title, body: text to search (the title weighs more).
    keywords: structured values as searchable text (人教版 数学 五年级 …).
    fields: filter and facet values by name (strings).
    view_count, published_at: for sorting by most viewed and newest.
    """

    id: int
    title: str
    body: str = ""
    keywords: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    view_count: int = 0
    published_at: datetime | None = None


@dataclass
class DocumentType:
    """A registered kind of document: how to find, convert and filter its model's rows."""

    name: str
    model: type
    to_document: Callable[[object], SearchDocument]
    is_indexable: Callable[[object], bool]
    rebuild_query: Callable[[], object] | None = None
    facets: tuple[str, ...] = ()
    ignored_attributes: frozenset[str] = frozenset()
    related: dict[type, Callable[[object], Iterable[object]]] = field(default_factory=dict)
    load_options: tuple = ()
    filter_alternatives: dict[str, Callable[[str], tuple[str, ...]]] = field(default_factory=dict)

    def backend_filters(self, filters: dict[str, str]) -> dict[str, str | tuple[str, ...]]:
        """filters as backends take them: a value, or the values any of which may match."""
        return {name: self.filter_alternatives[name](value) if name in self.filter_alternatives
                else value for name, value in filters.items()}


@dataclass
class IndexedDocument:
    """A SearchDocument ready for a backend; its tokens are analyzed on first use.

    Analysis is deferred so that a parallel rebuild pickles the plain text to its worker
    processes and analyzes there.
    """

    key: str
    doc_type: str
    object_id: int
    title: str
    body: str
    keywords: str
    fields: dict[str, str]
    view_count: int
    published_ts: float
    _tokens: AnalyzedFields | None = field(default=None, repr=False)

    @property
    def tokens(self) -> AnalyzedFields:
        """The analyzed tokens of title, keywords and body."""
        if self._tokens is None:
            self._tokens = analyze_document(self.title, self.body, self.keywords)
        return self._tokens


_registry: dict[str, DocumentType] = {}


def register_document_type(
    name: str,
    model: type,
    to_document: Callable[[object], SearchDocument],
    is_indexable: Callable[[object], bool],
    *,
    rebuild_query: Callable[[], object] | None = None,
    facets: Iterable[str] = (),
    ignored_attributes: Iterable[str] = (),
    related: dict[type, Callable[[object], Iterable[object]]] | None = None,
    load_options: Iterable = (),
    filter_alternatives: dict[str, Callable[[str], tuple[str, ...]]] | None = None,
) -> DocumentType:
    """Make a model searchable.

    name: the doc_type used in queries ("resource", "question", …).
    model: the SQLAlchemy model whose rows are indexed after each commit.
    to_document: row → SearchDocument.
    is_indexable: row → whether it belongs in the index (others are removed).
    rebuild_query: a select() of the rows to index, for `hplearn reindex` and for finding what
        the index lacks (`repair_index`; keep it equal to is_indexable) (default: all rows).
    facets: names in SearchDocument.fields to count for each query.
    ignored_attributes: attributes whose change alone does not reindex a row (e.g. view_count).
    related: other models whose changes show in these documents, each with a function giving
        the affected rows (e.g. {Topic: lambda topic: topic.resources}).
    load_options: SQLAlchemy loader options for loading result rows (e.g. selectinload(…)).
    filter_alternatives: for a filter name, the field values a chosen value also accepts
        (e.g. a school type also finds the documents meant for every school).
    """
    if not name.isidentifier():
        raise ValueError(f"document type name must be an identifier: {name!r}")
    doc_type = DocumentType(
        name=name,
        model=model,
        to_document=to_document,
        is_indexable=is_indexable,
        rebuild_query=rebuild_query,
        facets=tuple(facets),
        ignored_attributes=frozenset(ignored_attributes),
        related=dict(related or {}),
        load_options=tuple(load_options),
        filter_alternatives=dict(filter_alternatives or {}),
    )
    _registry[name] = doc_type
    return doc_type


def unregister_document_type(name: str) -> None:
    """Forget a document type (its documents stay in the index until the next rebuild)."""
    _registry.pop(name, None)


def document_types() -> list[DocumentType]:
    """Every registered document type."""
    return list(_registry.values())


def document_type(name: str) -> DocumentType:
    """The registered document type called name; KeyError when there is none."""
    return _registry[name]


def document_type_for(instance) -> DocumentType | None:
    """The document type whose model instance belongs to, or None."""
    for doc_type in _registry.values():
        if isinstance(instance, doc_type.model):
            return doc_type
    return None


def document_key(doc_type: str, object_id: int) -> str:
    """The index-wide unique key of a document."""
    return f"{doc_type}:{object_id}"


def indexed(doc_type: str, document: SearchDocument) -> IndexedDocument:
    """A SearchDocument as backends take it."""
    return IndexedDocument(
        key=document_key(doc_type, document.id),
        doc_type=doc_type,
        object_id=document.id,
        title=document.title,
        body=document.body,
        keywords=document.keywords,
        fields={k: str(v) for k, v in document.fields.items() if v not in (None, "")},
        view_count=int(document.view_count or 0),
        published_ts=document.published_at.timestamp() if document.published_at else 0.0,
    )
