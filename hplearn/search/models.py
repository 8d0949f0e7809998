"""The postgres backend's index table: one row per document, tokens as weighted tsvectors."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from hplearn.extensions import db

# On SQLite (where the postgres backend is never used) the columns are plain text and JSON.
TSVECTOR_TYPE = Text().with_variant(TSVECTOR(), "postgresql")
JSON_TYPE = JSON().with_variant(JSONB(), "postgresql")


class SearchEntry(db.Model):
    """One indexed document of any registered type."""

    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_document", "document", postgresql_using="gin"),
        Index("ix_search_entries_prefixes", "prefixes", postgresql_using="gin"),
        Index(
            "ix_search_entries_fields", "fields",
            postgresql_using="gin", postgresql_ops={"fields": "jsonb_path_ops"},
        ),
    )

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32), index=True)
    object_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    title_compact: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict] = mapped_column(JSON_TYPE, default=dict)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    published_ts: Mapped[int] = mapped_column(BigInteger, default=0)
    document: Mapped[str] = mapped_column(TSVECTOR_TYPE)
    prefixes: Mapped[str] = mapped_column(TSVECTOR_TYPE)
