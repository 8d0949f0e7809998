"""Unusable Q&A settings stop the app with a message naming them."""

import pytest

from hplearn.app import create_app
from hplearn.config import ConfigError
from tests.conftest import make_test_config


@pytest.mark.parametrize(("setting", "value"), [
    ("QA_CLAIM_MINUTES", 0), ("QA_EVENING_CUTOFF", "7pm"), ("QA_EVENING_CUTOFF", "21:00"),
    ("QA_SERVICE_DAYS", "0-4"),
    ("QA_SERVICE_START", "4pm"), ("QA_SERVICE_END", "15:00"), ("QA_CLOSED_DATES", "2026-10-01"),
    ("QA_CLOSED_DATES", ["1 October"]), ("QA_CLAIM_WARN_MINUTES", -1),
])
def test_bad_settings_are_refused(tmp_path, setting, value):
    with pytest.raises(ConfigError) as refused:
        create_app(make_test_config(tmp_path, **{setting: value}))
    assert setting.split("_")[1] in str(refused.value) or "service" in str(refused.value)


def test_environment_settings_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("HPLEARN_QA_CLAIM_MINUTES", "45")
    monkeypatch.setenv("HPLEARN_QA_SERVICE_DAYS", "1-6")
    app = create_app(make_test_config(tmp_path))
    assert app.config["QA_CLAIM_MINUTES"] == 45
    assert app.config["QA_SERVICE_DAYS"] == "1-6"


def test_cli_reports_a_bad_setting_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from hplearn.cli import cli

    monkeypatch.setenv("HPLEARN_INSTANCE", str(tmp_path))
    monkeypatch.setenv("HPLEARN_QA_SERVICE_START", "noon")
    result = CliRunner().invoke(cli, ["qa", "tick"])
    assert result.exit_code == 2
    assert "QA service hours" in result.output and "Traceback" not in result.output
