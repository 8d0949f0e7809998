"""Personal-information screening, one test per labelled phrasing (tests/data/screening_personal.yaml)."""

from pathlib import Path

import pytest
import yaml

from hplearn.screening import find_personal_information, join_digits

DATA = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "screening_personal.yaml")
                      .read_text(encoding="utf-8"))


def kinds(text):
    return {finding.kind for finding in find_personal_information(text)}


@pytest.mark.parametrize("item", DATA["positive"], ids=lambda item: item["text"])
def test_personal_information_is_found(item):
    assert item["kind"] in kinds(item["text"])


@pytest.mark.parametrize("text", DATA["benign"])
def test_benign_numbers_and_words_pass(text):
    assert kinds(text) == set()


def test_the_labelled_set_is_large_enough():
    assert len(DATA["positive"]) + len(DATA["benign"]) >= 100


def test_digits_are_joined_only_in_long_runs():
    assert join_digits("幺三八 1234.5678") == "13812345678"
    assert join_digits("三年二班 3.14") == "三年二班 3.14"
