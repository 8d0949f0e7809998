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
