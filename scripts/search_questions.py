"""Hit rate of tests/data/search_questions.yaml: how often the expected resource is in the top 3.

    HPLEARN_DATABASE_URL=... python scripts/search_questions.py   (after `hplearn init --demo`)
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hplearn import search
from hplearn.app import create_app
from hplearn.pagination import PageRequest

QUESTIONS = Path(__file__).resolve().parent.parent / "tests/data/search_questions.yaml"


def main() -> None:
    """Print each miss and the top-3 hit rate."""
    questions = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    with create_app().app_context():
        hits = 0
        for item in questions:
            found = search.query(item["q"], page=PageRequest(page=1, per_page=3))
            ids = [hit.object.external_id for hit in found.items]
            if item["expect"] in ids:
                hits += 1
            else:
                print("miss", item["q"], ids)
        print(f"top-3 hit rate: {hits}/{len(questions)} = {hits / len(questions):.0%}")


if __name__ == "__main__":
    main()
