"""Questions as students type them find their demo resource in the top 3 (both backends)."""

from pathlib import Path

import yaml

from hplearn import search
from hplearn.catalog.content import load_content
from hplearn.pagination import PageRequest

QUESTIONS = Path(__file__).resolve().parents[2] / "data" / "search_questions.yaml"
CONTENT = Path(__file__).resolve().parents[3] / "content"


def test_labelled_questions_find_their_resource_in_the_top_three(app):
    load_content(str(CONTENT), echo=lambda *a, **k: None)
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    assert len(questions) >= 50
    misses = []
    for item in questions:
        found = search.query(item["q"], page=PageRequest(page=1, per_page=3))
        if item["expect"] not in [hit.object.external_id for hit in found.items]:
            misses.append(item["q"])
    hit_rate = 1 - len(misses) / len(questions)
    assert hit_rate >= 0.9, misses
    for question in ("地震了怎么办", "考试考砸了怎么办", "AI是怎么学习的", "家里煤气泄漏怎么办"):
        assert question not in misses


def test_question_words_alone_still_search():
    from hplearn.search.analysis import analyze_query

    assert [t.word for t in analyze_query("地震了怎么办").terms] == ["地震"]
    assert [t.word for t in analyze_query("怎么办").terms] == ["怎么办"]
