"""Every audit action the code records has Chinese words; unnamed codes show as they are."""

import re
from pathlib import Path

from hplearn.audit import labels
from hplearn.contributions.models import EVENT_ACTIONS

SOURCE = Path(__file__).resolve().parents[2] / "hplearn"
# The action is the second or third argument of record/audit/_saved (after actor[, object]).
RECORDED = re.compile(r'(?:record|audit|_saved)\(\s*\w+,\s*(?:[\w.]+,\s*)?"([a-z_]+\.[a-z_.]+)"')
CONDITIONAL = re.compile(r'"([a-z_]+\.[a-z_]+)" if \w+ else "([a-z_]+\.[a-z_]+)"')


def _recorded_actions() -> set[str]:
    actions = {f"contribution.{name}" for name in EVENT_ACTIONS}
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions.update(RECORDED.findall(text))
        for pair in CONDITIONAL.findall(text):
            actions.update(pair)
    return actions


def test_every_recorded_action_has_words(app):
    actions = _recorded_actions()
    assert len(actions) > 30  # the scan finds the log's actions, not nothing
    with app.app_context():
        unnamed = sorted(code for code in actions if labels.action(code) == code)
    assert unnamed == []


def test_unknown_codes_stay_visible_and_values_read_in_chinese(app):
    with app.app_context():
        assert labels.action("future.thing") == "future.thing"
        assert labels.action("resource.publish") == "发布资源"
        assert labels.object_type("question") == "问题"
        assert labels.detail_value("fields", ["title", "resource_ids"]) == "标题、包含的资源"
        assert labels.detail_value("before", {"grade": 7}) == "年级=7"
        assert labels.detail_value("public", True) == "是"
        assert labels.detail_value("role", "slides") == "课件"
        assert labels.detail_value("role", "student") == "学生"
        assert labels.detail_value("role", "wizard") == "wizard"
