"""hplearn import: CSV and JSON Lines, bad rows, unusable files, --strict, re-imports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from hplearn.catalog import importer
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from tests.factories import TopicFactory

HEADER = ("external_id,title,stage,grade,subject,edition,volume,school_type,resource_type,"
          "url,cover_url,source\n")
GOOD_ROW = ("t1,义务教育教科书·数学七年级上册,初中,7,数学,人教版,上册,普通,电子教材,"
            "https://basic.smartedu.cn/tchMaterial/detail?contentId=t1,,smartedu\n")
REAL_CATALOG = (
    Path(__file__).resolve().parents[2] / "content" / "textbooks" / "smartedu_textbooks.csv"
)


def write(tmp_path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def resource_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Resource))


def test_csv_row_becomes_a_published_textbook(runner, tmp_path):
    path = write(tmp_path, "books.csv", HEADER + GOOD_ROW)
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in result.output
    book = db.session.scalar(select(Resource))
    assert (book.kind, book.stage, book.grade, book.subject) == ("textbook", "初中", 7, "数学")
    assert (book.edition, book.volume, book.source) == ("人教版", "上册", "smartedu")
    assert book.status == "published" and book.published_at is not None
    assert book.content_hash


def test_bom_short_subject_names_and_derived_stage(runner, tmp_path):
    text = "\ufeffexternal_id,title,grade,subject,tags\na,生物小课堂,初二,生物,\"细胞，显微镜、实验|细胞\"\n"
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", text)])
    assert result.exit_code == 0, result.output
    resource = db.session.scalar(select(Resource))
    assert (resource.stage, resource.grade, resource.subject) == ("初中", 8, "生物学")
    assert resource.tags == ["细胞", "显微镜", "实验"]
    assert resource.kind == "article"


def test_jsonl_with_topic_and_tag_list(runner, tmp_path):
    TopicFactory(slug="kepu", name="科普教育")
    lines = [
        {"external_id": "j1", "title": "月相", "kind": "article", "grade": 5, "topic": "kepu",
         "tags": ["天文", "观察"], "body": "**月亮**"},
        {"external_id": "j2", "title": "视频课", "kind": "视频", "topic": "科普教育",
         "url": "https://basic.smartedu.cn"},
    ]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    result = runner.invoke(args=["import", write(tmp_path, "x.jsonl", text), "--source", "js"])
    assert result.exit_code == 0, result.output
    rows = {r.external_id: r for r in db.session.scalars(select(Resource))}
    assert rows["j1"].tags == ["天文", "观察"] and rows["j1"].topic.slug == "kepu"
    assert rows["j1"].stage == "小学"
    assert rows["j2"].kind == "video" and rows["j2"].topic.slug == "kepu"
    assert {r.source for r in rows.values()} == {"js"}


def test_jsonl_detected_by_content_without_extension(runner, tmp_path):
    path = write(tmp_path, "data.txt", '{"external_id": "a", "title": "标题"}\n')
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 0, result.output
    assert resource_count() == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("b1,书,初中,7,数学,,,,电子教材,ftp://x.org/a,,s", "http"),
        ("b2,,初中,7,数学,,,,电子教材,,,s", "缺少标题"),
        ("b3,书,初中,13,数学,,,,电子教材,,,s", "年级“13”超出范围"),
        ("b4,书,大学,,数学,,,,电子教材,,,s", "未知的学段“大学”"),
        ("b5,书,初中,7,炼丹,,,,电子教材,,,s", "未知的学科“炼丹”"),
        ("b6,书,初中,7,数学,,,,磁带,,,s", "未知的资源类型“磁带”"),
        ("b7,书,小学,9,数学,,,,电子教材,,,s", "年级 9 不属于学段“小学”"),
        ("b8,书,初中,7,数学,,,,电子教材,,javascript:alert(1),s", "cover_url"),
        ("b9,书,初中,7,数学,,,,电子教材,,,s,extra", "多于表头"),
    ],
)
def test_bad_row_is_skipped_with_its_line_number(runner, tmp_path, row, reason):
    path = write(tmp_path, "x.csv", HEADER + GOOD_ROW + row + "\n")
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 0
    assert "第 3 行" in result.output and reason in result.output
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in result.output
    assert resource_count() == 1


def test_unclosed_quote_is_a_bad_row(runner, tmp_path):
    text = 'external_id,title\na,"没闭合\nb,乙\n'
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", text)])
    assert result.exit_code == 0
    assert "第 2 行：标题不能换行" in result.output
    assert resource_count() == 0


def test_long_markdown_body_is_imported(runner, tmp_path):
    text = "external_id,title,body\nc,丙," + "长" * 200_000 + "\n"
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", text)])
    assert "1 created" in result.output
    assert len(db.session.scalar(select(Resource.body))) == 200_000


def test_unknown_kind_and_topic_and_bad_json(runner, tmp_path):
    text = ('{"external_id": "a", "title": "x", "kind": "podcast"}\n'
            '{"external_id": "b", "title": "y", "topic": "nope"}\n'
            "{not json\n"
            "[1, 2]\n")
    result = runner.invoke(args=["import", write(tmp_path, "x.jsonl", text)])
    assert result.exit_code == 0
    assert "第 1 行：未知的类型“podcast”" in result.output
    assert "第 2 行：未知的专题“nope”" in result.output
    assert "第 3 行：不是有效的 JSON" in result.output
    assert "第 4 行：每行必须是一个 JSON 对象" in result.output
    assert resource_count() == 0


def test_duplicate_external_id_in_one_file(runner, tmp_path):
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", HEADER + GOOD_ROW + GOOD_ROW)])
    assert "第 3 行" in result.output and "与第 2 行重复" in result.output
    assert resource_count() == 1


def test_multiline_quoted_field_keeps_line_numbers(runner, tmp_path):
    text = 'external_id,title,summary\na,甲,"第一行\n第二行"\nb,,x\n'
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", text)])
    assert "第 4 行：缺少标题" in result.output
    assert db.session.scalar(select(Resource.summary)) == "第一行\n第二行"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gbk.csv", "external_id,title\na,数学\n".encode("gbk"), "不是 UTF-8"),
        ("bin.csv", b"title\x00\x01\x02", "二进制"),
        ("empty.csv", b"", "空文件"),
        ("bom.csv", b"\xef\xbb\xbf\n  \n", "空文件"),
        ("notitle.csv", "external_id,name\na,b\n", "缺少 title 列"),
    ],
)
def test_unusable_file_exits_2_with_one_line(runner, tmp_path, name, content, message):
    result = runner.invoke(args=["import", write(tmp_path, name, content)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert resource_count() == 0


def test_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(args=["import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "找不到文件" in result.output


def test_strict_writes_nothing_when_a_row_is_bad(runner, tmp_path):
    rows = "".join(GOOD_ROW.replace("t1", f"t{n}", 2) for n in range(2, 6))
    path = write(tmp_path, "x.csv", HEADER + rows + "bad,书,初中,99,数学,,,,电子教材,,,s\n")
    result = runner.invoke(args=["import", path, "--strict"])
    assert result.exit_code == 1
    assert "第 6 行" in result.output and "--strict" in result.output
    assert resource_count() == 0


def test_strict_imports_a_clean_file(runner, tmp_path):
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", HEADER + GOOD_ROW), "--strict"])
    assert result.exit_code == 0
    assert resource_count() == 1


def test_reimport_is_unchanged_and_changes_are_updates(runner, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + GOOD_ROW)
    runner.invoke(args=["import", path])
    again = runner.invoke(args=["import", path])
    assert "0 created, 0 updated, 1 unchanged, 0 skipped" in again.output
    resource_id = db.session.scalar(select(Resource.id))
    write(tmp_path, "x.csv", HEADER + GOOD_ROW.replace("上册,普通", "下册,普通"))
    changed = runner.invoke(args=["import", path])
    assert "0 created, 1 updated, 0 unchanged, 0 skipped" in changed.output
    db.session.expire_all()
    resource = db.session.get(Resource, resource_id)
    assert resource.volume == "下册"
    assert resource_count() == 1


def test_update_keeps_an_admin_retirement(app, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + GOOD_ROW)
    importer.import_file(path)
    resource = db.session.scalar(select(Resource))
    resource.status = "retired"
    db.session.commit()
    write(tmp_path, "x.csv", HEADER + GOOD_ROW.replace("七年级上册", "七年级上册（修订）"))
    summary = importer.import_file(path)
    assert summary.updated == 1
    assert db.session.scalar(select(Resource.status)) == "retired"


def test_same_external_id_in_two_sources_are_two_resources(runner, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + GOOD_ROW)
    runner.invoke(args=["import", path, "--source", "one"])
    runner.invoke(args=["import", path, "--source", "two"])
    assert resource_count() == 2


def test_a_batch_of_two_sources_is_matched_and_updated_row_by_row(app, tmp_path):
    rows = "".join(f"{source},e{n},题{n}\n" for source in ("one", "two") for n in range(3))
    path = write(tmp_path, "x.csv", "source,external_id,title\n" + rows)
    assert importer.import_file(path).created == 6
    write(tmp_path, "x.csv", "source,external_id,title\n" + rows.replace("题1", "新题1"))
    summary = importer.import_file(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 4)
    titles = db.session.execute(select(Resource.source, Resource.title).where(
        Resource.external_id == "e1").order_by(Resource.source)).all()
    assert titles == [("one", "新题1"), ("two", "新题1")]


def test_matching_rows_reads_the_unique_index_not_the_whole_table(app):
    # A row-value (source, external_id) IN (…) made SQLite scan every resource once per batch.
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the query plan is SQLite's")
    batch = [{"source": source, "external_id": f"e{n}"} for source in ("one", "two")
             for n in range(500)]
    query = select(Resource.content_hash).where(importer._key_filter(batch))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "SCAN resources" not in plan
    assert "USING INDEX" in plan and "(source=? AND external_id=?)" in plan


def test_commits_come_in_batches(app, tmp_path, monkeypatch):
    rows = "".join(GOOD_ROW.replace("t1", f"t{n}", 2) for n in range(25))
    path = write(tmp_path, "x.csv", HEADER + rows)
    commits = []
    original = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (commits.append(1), original())[1])
    progress = []
    summary = importer.import_file(path, batch_size=10, progress=progress.append)
    assert summary.created == 25
    assert progress == [10, 10, 5]
    assert len(commits) == 3


def test_unknown_columns_are_reported(runner, tmp_path):
    text = "external_id,title,colour\na,书,红\n"
    result = runner.invoke(args=["import", write(tmp_path, "x.csv", text)])
    assert result.exit_code == 0
    assert "colour" in result.output


def test_real_textbook_catalog_imports_and_reimports_unchanged(runner, tmp_path):
    path = tmp_path / "smartedu_textbooks.csv"
    shutil.copy(REAL_CATALOG, path)
    first = runner.invoke(args=["import", str(path)])
    assert first.exit_code == 0, first.output
    assert "2321 created, 0 updated, 0 unchanged, 0 skipped" in first.output
    second = runner.invoke(args=["import", str(path)])
    assert "0 created, 0 updated, 2321 unchanged, 0 skipped" in second.output
    assert db.session.scalar(
        select(func.count()).select_from(Resource).where(Resource.kind == "textbook")
    ) == 2321
