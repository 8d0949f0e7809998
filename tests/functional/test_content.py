"""content/ and `hplearn init --demo`: all loads, twice changes nothing, bad files are named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hplearn.catalog.content import ContentError, load_content, read_resource_file
from hplearn.catalog.models import Platform, Resource, Topic
from hplearn.extensions import db
from hplearn.vocab import STAGES

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
TOPIC_NAMES = {"爱国主义教育", "生态文明教育", "心理健康教育", "科普教育", "劳动教育", "安全教育", "阅读"}


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def small_content(tmp_path):
    """A copy of content/ without the big textbook catalog."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("textbooks"))
    return target


def test_real_content_loads_and_second_run_changes_nothing(app):
    first = load_content(CONTENT_DIR, echo=lambda line: None)
    assert first.changed
    assert {t.name for t in db.session.scalars(select(Topic))} == TOPIC_NAMES
    demo = count(Resource, Resource.is_demo.is_(True), Resource.source == "hplearn-demo")
    assert demo >= 60
    assert count(Resource, Resource.kind == "textbook") == 2321
    second = load_content(CONTENT_DIR, echo=lambda line: None)
    assert not second.changed
    assert second.resources.unchanged == demo and second.textbooks.unchanged == 2321


def test_starter_resources_cover_every_topic_and_stage(app, small_content):
    load_content(small_content, echo=lambda line: None)
    demo = list(db.session.scalars(select(Resource).where(Resource.is_demo.is_(True))))
    assert {r.topic.name for r in demo if r.topic} == TOPIC_NAMES
    assert {r.stage for r in demo} >= set(STAGES)
    assert all(r.status == "published" and r.published_at for r in demo)
    assert all(r.body for r in demo if r.kind == "article")
    # Only addresses known to exist: the national platform.
    assert {r.url for r in demo if r.url} == {"https://basic.smartedu.cn"}


def test_platforms_leave_unverified_addresses_empty(app, small_content):
    load_content(small_content, echo=lambda line: None)
    platforms = {p.level: p for p in db.session.scalars(select(Platform))}
    assert platforms["national"].url == "https://basic.smartedu.cn"
    assert platforms["national"].needs_login
    assert platforms["municipal"].url is None and platforms["district"].url is None


def test_edited_file_is_an_update(app, small_content):
    load_content(small_content, echo=lambda line: None)
    path = small_content / "resources" / "aiguo-guoqi.md"
    path.write_text(path.read_text(encoding="utf-8").replace("五星红旗的故事", "国旗的故事"),
                    encoding="utf-8")
    topics = small_content / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("order: 7", "order: 8"),
                      encoding="utf-8")
    summary = load_content(small_content, echo=lambda line: None)
    assert summary.resources.updated == 1 and summary.topics["updated"] == 1
    assert db.session.scalar(select(Resource.title).where(Resource.external_id == "aiguo-guoqi")) \
        == "国旗的故事"


@pytest.mark.parametrize(
    ("relative", "text", "message"),
    [
        ("topics.yaml", "topics: [\n", "invalid YAML"),
        ("topics.yaml", "topics:\n  - name: 无标识\n", "missing 'slug'"),
        ("platforms.yaml", "platforms:\n  - {slug: x, name: X, level: galaxy}\n", "unknown level"),
        ("platforms.yaml", "platforms:\n  - {slug: x, name: X, level: national, url: 'ftp://x'}\n",
         "not http"),
        ("resources/broken.md", "no front matter here\n", "front matter"),
        ("resources/broken.md", "---\ntitle: [unclosed\n---\nbody\n", "invalid front matter"),
        ("resources/broken.md", "---\ntitle: 书\ngrade: 15\n---\nbody\n", "超出范围"),
        ("resources/broken.md", "---\ntitle: 书\ntopic: nowhere\n---\nbody\n", "未知的专题"),
    ],
)
def test_malformed_file_is_named_and_nothing_is_written(
    app, small_content, relative, text, message
):
    (small_content / relative).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(small_content, echo=lambda line: None)
    assert relative.split("/")[-1] in str(raised.value) and message in str(raised.value)
    assert count(Topic) == 0 and count(Resource) == 0


def test_init_demo_reports_a_malformed_file_without_traceback(
    runner, app, small_content, monkeypatch
):
    # The schema already exists (the app fixture made it); migrations are tested elsewhere.
    monkeypatch.setattr("flask_migrate.upgrade", lambda: None)  # imported by init when it runs
    (small_content / "resources" / "broken.md").write_text("oops", encoding="utf-8")
    app.config["CONTENT_DIR"] = str(small_content)
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code != 0
    assert "broken.md" in result.output and "Traceback" not in result.output


def test_front_matter_defaults_to_demo_and_file_name():
    path = CONTENT_DIR / "resources" / "aiguo-guoqi.md"
    row = read_resource_file(path)
    assert row["is_demo"] is True and row["source"] == "hplearn-demo"
    assert row["external_id"] == "aiguo-guoqi" and row["body"].startswith("我们的国旗")
