"""hplearn import writes new rows with one INSERT … RETURNING per batch: the rows, their search
documents and the cache generation are what the ORM path (one Resource object a row) gave."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hplearn.cache import catalog_cache
from hplearn.catalog import importer
from hplearn.catalog.models import Resource
from hplearn.catalog.search_documents import resource_document
from hplearn.extensions import db
from hplearn.search import hooks
from tests.factories import TopicFactory

STAMPS = ("created_at", "updated_at", "published_at")


def import_rows(tmp_path, rows: list[dict], name: str, **options) -> importer.ImportSummary:
    path = tmp_path / name
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")
    return importer.import_file(path, **options)


def full_row(external_id: str, topic_slug: str) -> dict:
    return {"external_id": external_id, "title": "勾股定理的证明", "summary": "几种证明方法",
            "body": "## 赵爽弦图\n面积相等。", "subject": "数学", "grade": 8, "edition": "人教版",
            "volume": "下册", "school_type": "普通", "resource_type": "视频", "topic": topic_slug,
            "tags": ["几何", "定理"], "url": "https://example.cn/gougu",
            "cover_url": "https://example.cn/gougu.png"}


@pytest.fixture
def documents(monkeypatch):
    """The search documents each commit hands to the index, by key."""
    seen = {}
    real = hooks.indexed

    def recording(name, document):
        seen[f"{name}:{document.id}"] = document
        return real(name, document)

    monkeypatch.setattr(hooks, "indexed", recording)
    return seen


@pytest.fixture
def fast_batches(monkeypatch):
    """How many batches went through the INSERT … RETURNING path."""
    calls = []
    real = importer._insert_new
    monkeypatch.setattr(importer, "_insert_new", lambda rows, now: (calls.append(len(rows)),
                                                                   real(rows, now)))
    return calls


def load(external_id: str) -> Resource:
    return db.session.scalars(select(Resource).filter_by(external_id=external_id)).one()


def columns(resource: Resource) -> dict:
    skipped = {"id", "external_id", *STAMPS}
    return {c.key: getattr(resource, c.key) for c in Resource.__mapper__.column_attrs
            if c.key not in skipped}


def test_a_new_row_is_the_same_by_the_fast_path_as_by_the_orm(app, tmp_path, monkeypatch,
                                                              documents, fast_batches):
    topic = TopicFactory(slug="pythagoras", name="勾股定理专题")
    db.session.commit()
    generations = [catalog_cache().generation()]
    monkeypatch.setattr(importer, "_can_insert_many", lambda: False)
    assert import_rows(tmp_path, [full_row("by-orm", topic.slug)], "orm.jsonl").created == 1
    generations.append(catalog_cache().generation())
    monkeypatch.setattr(importer, "_can_insert_many", lambda: True)
    assert import_rows(tmp_path, [full_row("by-insert", topic.slug)], "fast.jsonl").created == 1
    generations.append(catalog_cache().generation())
    assert fast_batches == [1]
    assert len(set(generations)) == 3  # each import started a new cache generation

    db.session.expire_all()
    by_orm, by_insert = load("by-orm"), load("by-insert")
    assert columns(by_insert) == columns(by_orm)
    assert by_insert.status == "published" and by_insert.content_hash
    now = datetime.now(UTC)
    for name in STAMPS:
        stamp = getattr(by_insert, name)
        assert stamp.utcoffset() == timedelta(0) and now - stamp < timedelta(minutes=5)
    orm_document = documents[f"resource:{by_orm.id}"]
    insert_document = documents[f"resource:{by_insert.id}"]
    assert dataclasses.replace(insert_document, id=by_orm.id,
                               published_at=by_orm.published_at) == orm_document
    assert insert_document == resource_document(by_insert)  # what a reindex would write
    assert insert_document.fields["topic"] == "pythagoras"


def test_each_inserted_row_gets_its_own_id_and_document(app, tmp_path, documents, fast_batches):
    rows = [{"external_id": f"r{n}", "title": f"第{n}课 相似三角形", "grade": 9}
            for n in range(7)]
    assert import_rows(tmp_path, rows, "rows.jsonl", batch_size=3).created == 7
    assert fast_batches == [3, 3, 1]
    resources = db.session.scalars(select(Resource).where(Resource.external_id.like("r%"))).all()
    assert len(resources) == 7
    for resource in resources:
        assert documents[f"resource:{resource.id}"].title == resource.title


def test_a_batch_of_new_and_changed_rows(app, tmp_path, documents, fast_batches):
    rows = [{"external_id": f"r{n}", "title": f"第{n}课", "grade": 3} for n in range(3)]
    import_rows(tmp_path, rows[:2], "first.jsonl")
    rows[0]["title"] = "第0课（修订）"
    summary = import_rows(tmp_path, rows, "second.jsonl")
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert fast_batches == [2, 1]
    changed, new = load("r0"), load("r2")
    assert documents[f"resource:{changed.id}"].title == "第0课（修订）"
    assert documents[f"resource:{new.id}"].title == "第2课"
    assert changed.updated_at >= changed.created_at


@pytest.mark.parametrize(("limit", "reads"), [(importer.KEEP_CHECKED_BYTES, 1), (0, 2)])
def test_a_file_is_checked_once_unless_it_is_too_big_to_keep(app, tmp_path, monkeypatch,
                                                            limit, reads):
    counted = []
    real = importer.read_rows
    monkeypatch.setattr(importer, "read_rows", lambda path: (counted.append(path), real(path))[1])
    monkeypatch.setattr(importer, "KEEP_CHECKED_BYTES", limit)
    rows = [{"external_id": f"r{n}", "title": f"第{n}课", "grade": 3} for n in range(5)]
    rows.append({"external_id": "bad", "title": "第5课", "grade": 13})
    summary = import_rows(tmp_path, rows + rows[:1], "rows.jsonl", batch_size=2)
    assert (summary.created, summary.skipped) == (5, 2)  # a bad grade, a repeated key
    assert [error.line for error in summary.errors] == [6, 7]
    assert len(counted) == reads
