"""Settings declared once: typed, layered (default -> hplearn.cfg -> HPLEARN_* -> overrides), checked."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from hplearn import settings
from hplearn.app import create_app
from hplearn.settings import ConfigError, Setting

README = Path(__file__).resolve().parents[2] / "README.md"


class FakeApp:
    """Just what settings.declare needs."""

    def __init__(self, tmp_path, overrides=None, environ=None, cfg: str | None = None):
        self.instance_path = str(tmp_path)
        self.config: dict = {}
        self.extensions: dict = {}
        if cfg is not None:
            (tmp_path / "hplearn.cfg").write_text(cfg, encoding="utf-8")
        self.extensions[settings.EXTENSION] = settings.Sources(
            self.instance_path, overrides, environ or {})


ROWS = (
    Setting("COUNT", "int", 3, "a count", positive=True),
    Setting("RATIO", "float", 0.5, "a ratio", minimum=0),
    Setting("FLAG", "bool", False, "a flag"),
    Setting("NAME", "str", "x", "a name", choices=("x", "y")),
    Setting("DAYS", "list", [], "days"),
    Setting("LIMITS", "dict", {"a": 1, "b": 2}, "limits"),
    Setting("MAYBE", "str", None, "optional", optional=True),
)


def _declared(tmp_path, **kwargs) -> dict:
    app = FakeApp(tmp_path, **kwargs)
    settings.declare(app, ROWS)
    return app.config


def test_defaults(tmp_path):
    config = _declared(tmp_path)
    assert config == {"COUNT": 3, "RATIO": 0.5, "FLAG": False, "NAME": "x", "DAYS": [],
                      "LIMITS": {"a": 1, "b": 2}, "MAYBE": None}


def test_layers_override_in_order(tmp_path):
    config = _declared(tmp_path, cfg="COUNT = 4\nRATIO = 0.7\nNAME = 'y'\n",
                       environ={"HPLEARN_COUNT": "5", "HPLEARN_FLAG": "yes"},
                       overrides={"COUNT": 6})
    assert (config["COUNT"], config["RATIO"], config["FLAG"], config["NAME"]) == (6, 0.7, True, "y")


def test_environment_text_is_read_by_kind(tmp_path):
    config = _declared(tmp_path, environ={
        "HPLEARN_RATIO": "2", "HPLEARN_DAYS": '["2026-10-01"]', "HPLEARN_LIMITS__b": "7",
        "HPLEARN_MAYBE": "", "HPLEARN_NAME": "y"})
    assert config["RATIO"] == 2.0 and config["DAYS"] == ["2026-10-01"]
    assert config["LIMITS"] == {"a": 1, "b": 7} and config["MAYBE"] is None


def test_a_dict_given_in_part_keeps_the_other_keys(tmp_path):
    assert _declared(tmp_path, cfg="LIMITS = {'a': 9}\n")["LIMITS"] == {"a": 9, "b": 2}


@pytest.mark.parametrize(("environ", "message"), [
    ({"HPLEARN_COUNT": "abc"}, "COUNT must be a positive number, not 'abc'"),
    ({"HPLEARN_COUNT": "0"}, "COUNT must be a positive number, not 0"),
    ({"HPLEARN_RATIO": "-1"}, "RATIO must be a number of at least 0, not -1.0"),
    ({"HPLEARN_FLAG": "maybe"}, "FLAG must be true or false, not 'maybe'"),
    ({"HPLEARN_NAME": "z"}, "NAME must be one of x, y, not 'z'"),
    ({"HPLEARN_DAYS": "[1,"}, "DAYS must be a JSON list"),
    ({"HPLEARN_DAYS": '{"a": 1}'}, "DAYS must be a JSON list"),
])
def test_bad_values_are_refused_with_one_line_naming_them(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        _declared(tmp_path, environ=environ)


def test_python_values_of_the_wrong_type_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="COUNT must be a positive number, not True"):
        _declared(tmp_path, overrides={"COUNT": True})
    with pytest.raises(ConfigError, match="FLAG must be true or false, not 'yes'"):
        _declared(tmp_path, cfg="FLAG = 'yes'\n")


def test_a_check_adds_its_own_reason(tmp_path):
    def even(value):
        if value % 2:
            raise ValueError("must be even")

    app = FakeApp(tmp_path, overrides={"PAIRS": 3})
    with pytest.raises(ConfigError, match="PAIRS: must be even"):
        settings.declare(app, [Setting("PAIRS", "int", 2, "pairs", check=even)])


def test_a_setting_is_declared_once(tmp_path):
    app = FakeApp(tmp_path)
    settings.declare(app, ROWS[:1])
    with pytest.raises(ValueError, match="declared twice"):
        settings.declare(app, ROWS[:1])


def test_every_feature_declares_its_settings_and_the_readme_table_is_generated(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    owners = {owner for owner, _ in settings.declared(app)}
    assert {"core", "accounts", "catalog", "media", "notifications", "qa", "stats"} <= owners
    table = settings.markdown_table(app)
    readme = README.read_text(encoding="utf-8")
    assert table in readme, "README's settings table is out of date: run `hplearn settings --markdown`"


def test_an_unknown_hplearn_variable_is_reported(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("HPLEARN_PER_PAEG", "30")
    with caplog.at_level(logging.WARNING, logger="hplearn.settings"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert "HPLEARN_PER_PAEG is not a setting of hplearn" in caplog.text


def test_flask_settings_still_pass_through(tmp_path, monkeypatch):
    monkeypatch.setenv("HPLEARN_SESSION_COOKIE_DOMAIN", "hplearn.example")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "TESTING": True})
    assert app.config["SESSION_COOKIE_DOMAIN"] == "hplearn.example" and app.config["TESTING"]
    assert os.environ["HPLEARN_SESSION_COOKIE_DOMAIN"]
