"""Issue 15: the catalog and search as students use them (topics, short queries, suggestions)."""

import json

from hplearn.catalog import importer
from hplearn.search import services
from tests import factories


def test_resources_imported_with_a_topic_are_found_by_its_name(app, tmp_path):
    factories.TopicFactory(slug="anquan", name="安全教育")
    factories.ResourceFactory(title="占位")  # the index exists, as after `hplearn init`
    path = tmp_path / "rows.jsonl"
    rows = [{"external_id": f"a{n}", "title": f"防溺水第{n}课", "topic": "anquan"} for n in range(3)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    importer.import_file(path)
    results = services.query("安全教育", doc_type="resource")
    assert results.total == 3
    assert results.facets["topic"] == [("anquan", 3)]


def test_one_character_query_ranks_a_title_holding_it_above_an_editor_name(app):
    for grade in (3, 4, 5):
        factories.ResourceFactory(
            title=f"义务教育教科书·英语{grade}年级上册", kind="textbook", subject="英语", grade=grade,
            edition="外研社版（三年级起点）（主编：桂诗春）", summary="", body="",
        )
    factories.ResourceFactory(title="诗词朗诵的技巧", summary="朗读有节奏。", body="")
    titles = [hit.object.title for hit in services.query("诗").items]
    assert titles[0] == "诗词朗诵的技巧"
