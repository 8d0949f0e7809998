"""What a Whoosh document holds: the schema, its field types and the format marker.

Tokens come analyzed by hplearn.search.analysis; the stored field holds only the object id, the
title and the normalized title (result rows come from the database).
"""

from __future__ import annotations

from collections import Counter

from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Existence

from hplearn.search.analysis import compact, normalize
from hplearn.search.documents import IndexedDocument

INDEX_NAME = "hplearn"
# Written into each index directory; an index of another format needs `hplearn reindex` (which
# `hplearn init` runs by itself).
FORMAT = "2: one index per document type, BM25F frequencies and lengths, column-only sorts"
FORMAT_FILE = "hplearn-index-format"
SCORED_FIELDS = ("title", "meta", "body")
TOKEN_FIELDS = ("title", "meta", "body", "chars", "pinyin", "title_key", "title_pinyin",
                "title_initials")


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


def partition_name(doc_type: str) -> str:
    """The Whoosh index name of one document type inside the index directory."""
    return f"{INDEX_NAME}_{doc_type}"


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


def stored(searcher, docnum) -> tuple[int, str, str]:
    """(object id, title, the title normalized without spaces) of one document."""
    object_id, title, compact_title = searcher.stored_fields(docnum)["stored_title"].split("\t")
    return int(object_id), title, compact_title


def stored_id(fields: dict) -> int:
    """The object id in a document's stored fields."""
    return int(fields["stored_title"].partition("\t")[0])
