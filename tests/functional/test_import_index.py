"""hplearn import and the search index: one bulk write, a progress bar on a terminal only, and
repair of what an interrupted import committed but never indexed."""

from __future__ import annotations

import json

import click
import pytest

from hplearn.catalog import cli as catalog_cli
from hplearn.catalog import importer
from hplearn.catalog.models import DEFAULT_SOURCE, Resource
from hplearn.extensions import db
from hplearn.search import engine, services
from hplearn.search.rebuild import index_gaps
from tests import factories


def rows_file(tmp_path, count: int, title: str = "勾股定理") -> str:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(
        json.dumps({"external_id": f"r{n}", "title": f"{title}第{n}课", "subject": "数学",
                    "grade": 8}, ensure_ascii=False) + "\n"
        for n in range(count)
    ), encoding="utf-8")
    return str(path)


def found(text: str) -> int:
    return services.query(text).total


@pytest.fixture
def index_ready(app):
    """A site whose index exists, as after `hplearn init`."""
    factories.ResourceFactory(title="已有资源")
    assert engine.backend().ready()


@pytest.fixture
def search_switched_off(app):
    """Commits that never reach their index phase, as when an import is killed after them."""

    def switch_off():
        return app.extensions.pop(engine.EXTENSION)

    def switch_on(backend):
        app.extensions[engine.EXTENSION] = backend

    return switch_off, switch_on


def test_every_batch_of_an_import_goes_to_one_bulk_write(app, index_ready, tmp_path,
                                                         monkeypatch):
    backend = engine.backend()
    real_bulk_writer = backend.bulk_writer
    commits = []

    def counted(expected):
        writer = real_bulk_writer(expected)
        commit = writer.commit
        writer.commit = lambda: (commits.append(expected), commit())
        return writer

    monkeypatch.setattr(backend, "bulk_writer", counted)
    summary = importer.import_file(rows_file(tmp_path, 7), batch_size=2)  # 4 database commits
    assert summary.created == 7 and summary.index_repaired == 0
    assert commits == [7]
    assert found("勾股定理") == 7


def test_updates_and_retirements_in_a_bulk_write_replace_the_old_documents(app, index_ready,
                                                                          tmp_path):
    importer.import_file(rows_file(tmp_path, 4))
    retired = db.session.scalars(db.select(Resource).filter_by(source=DEFAULT_SOURCE, external_id="r0")).one()
    retired.status = "retired"
    db.session.commit()
    summary = importer.import_file(rows_file(tmp_path, 4, title="相似三角形"), batch_size=3)
    assert summary.updated == 4
    assert found("勾股定理") == 0
    assert found("相似三角形") == 3  # the retirement is kept, and out of the index
    assert index_gaps("resource") == (set(), set())


def test_a_killed_import_is_indexed_by_the_next_run(app, index_ready, runner, tmp_path,
                                                    search_switched_off):
    switch_off, switch_on = search_switched_off
    path = rows_file(tmp_path, 5)
    backend = switch_off()
    killed = importer.import_file(path)  # rows committed, their index phase never ran
    switch_on(backend)
    assert killed.created == 5 and found("勾股定理") == 0
    assert len(index_gaps("resource")[0]) == 5
    again = runner.invoke(args=["import", path])
    assert again.exit_code == 0, again.output
    assert again.output.strip().splitlines()[-1].endswith(
        "0 created, 0 updated, 5 unchanged, 0 skipped")
    assert "已修复 5 条资源" in again.output
    assert found("勾股定理") == 5
    assert index_gaps("resource") == (set(), set())


def test_init_repairs_an_index_that_lacks_rows_or_holds_deleted_ones(app, index_ready, capsys,
                                                                     search_switched_off):
    from hplearn.search.cli import ensure_search_index  # what `hplearn init` runs

    switch_off, switch_on = search_switched_off
    gone = factories.ResourceFactory(title="蝾螈标本")
    backend = switch_off()
    factories.ResourceFactory(title="勾股定理新课")
    db.session.delete(gone)
    db.session.commit()
    switch_on(backend)
    assert found("勾股定理") == 0
    ensure_search_index()
    assert "search index repaired: 2 documents" in capsys.readouterr().out
    assert found("勾股定理") == 1 and found("蝾螈标本") == 0
    ensure_search_index()
    assert "search index ready" in capsys.readouterr().out


def test_a_progress_bar_only_on_a_terminal(app, index_ready, runner, tmp_path, monkeypatch):
    bars = []
    real_progressbar = click.progressbar

    def recorded(**options):
        bar = real_progressbar(**options)
        bars.append(bar)
        return bar

    monkeypatch.setattr(catalog_cli.click, "progressbar", recorded)
    path = rows_file(tmp_path, 3)
    piped = runner.invoke(args=["import", path])
    assert piped.exit_code == 0 and bars == []
    assert piped.output.strip() == f"imported {path}: 3 created, 0 updated, 0 unchanged, 0 skipped"
    monkeypatch.setattr(catalog_cli, "_stderr_is_terminal", lambda: True)
    shown = runner.invoke(args=["import", rows_file(tmp_path, 4)])
    assert shown.exit_code == 0, shown.output
    assert len(bars) == 1 and bars[0].length == 4 and bars[0].pos == 4
    assert "正在写入搜索索引" in shown.output


def test_init_rebuilds_an_index_that_opens_but_cannot_be_read(app, index_ready, capsys,
                                                              monkeypatch):
    from hplearn.search.backends.base import IndexUnavailable
    from hplearn.search.cli import ensure_search_index

    def unreadable(doc_type):
        raise IndexUnavailable("搜索索引已损坏")

    monkeypatch.setattr(engine.backend(), "indexed_ids", unreadable)
    ensure_search_index()
    out = capsys.readouterr().out
    assert "search index unreadable" in out and "search index built: 1 documents" in out
