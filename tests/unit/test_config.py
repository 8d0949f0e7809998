"""Configuration layering (defaults -> instance hplearn.cfg -> HPLEARN_* env), secret key, logging."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hplearn.app import create_app
from hplearn.config import ConfigError, _normalise_database_url


@pytest.fixture
def clean_env(monkeypatch):
    """No HPLEARN_* variables from the caller's shell leak into these tests."""
    for name in list(os.environ):
        if name.startswith("HPLEARN_"):
            monkeypatch.delenv(name)
    return monkeypatch


def _app(tmp_path, **overrides):
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), **overrides}
    return create_app(config)


def _write_cfg(tmp_path, text: str) -> None:
    folder = tmp_path / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hplearn.cfg").write_text(text, encoding="utf-8")


def test_defaults_without_any_configuration(tmp_path, clean_env):
    app = _app(tmp_path)
    assert app.config["SEARCH_BACKEND"] == "whoosh"
    assert app.config["PER_PAGE"] == 20
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + str(tmp_path / "instance" / "hplearn.sqlite3")
    )


def test_instance_file_overrides_defaults(tmp_path, clean_env):
    _write_cfg(tmp_path, 'PER_PAGE = 10\nSEARCH_BACKEND = "postgres"\n')
    app = _app(tmp_path)
    assert app.config["PER_PAGE"] == 10
    assert app.config["SEARCH_BACKEND"] == "postgres"


def test_environment_overrides_instance_file(tmp_path, clean_env):
    _write_cfg(tmp_path, 'PER_PAGE = 10\nSEARCH_BACKEND = "postgres"\n')
    clean_env.setenv("HPLEARN_PER_PAGE", "30")
    clean_env.setenv("HPLEARN_SEARCH_BACKEND", "whoosh")
    app = _app(tmp_path)
    assert app.config["PER_PAGE"] == 30
    assert app.config["SEARCH_BACKEND"] == "whoosh"


def test_instance_folder_comes_from_environment(tmp_path, clean_env):
    clean_env.setenv("HPLEARN_INSTANCE", str(tmp_path / "elsewhere"))
    app = create_app({})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "secret_key").exists()


def test_secret_key_is_generated_once_and_private(tmp_path, clean_env):
    first = _app(tmp_path).config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _app(tmp_path).config["SECRET_KEY"] == first


def test_secret_key_from_environment_writes_no_file(tmp_path, clean_env):
    clean_env.setenv("HPLEARN_SECRET_KEY", "12345")
    app = _app(tmp_path)
    assert app.config["SECRET_KEY"] == "12345"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_secret_key_from_instance_file_writes_no_file(tmp_path, clean_env):
    _write_cfg(tmp_path, 'SECRET_KEY = "from-the-instance-file"\n')
    assert _app(tmp_path).config["SECRET_KEY"] == "from-the-instance-file"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_database_url_from_environment_is_normalised(tmp_path, clean_env):
    clean_env.setenv("HPLEARN_DATABASE_URL", "postgres://u:p@db.example:5432/hplearn")
    app = _app(tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u:p@db.example:5432/hplearn"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://h/db", "postgresql+psycopg://h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_normalise_database_url(given, expected):
    assert _normalise_database_url(given) == expected


def _app_with_broken_route(tmp_path):
    app = _app(tmp_path, SECRET_KEY="k", TESTING=True)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom in a view\n  spanning\nlines")

    return app


def test_unexpected_error_is_a_500_page_in_the_site_design(tmp_path, clean_env):
    response = _app_with_broken_route(tmp_path).test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "出错了" in html
    assert 'class="site-header"' in html and "<main" in html
    assert "kaboom" not in html and "Traceback" not in html


def test_unexpected_error_logs_one_english_line(tmp_path, clean_env, capfd):
    app = _app_with_broken_route(tmp_path)
    capfd.readouterr()
    app.test_client().get("/boom")
    lines = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "ERROR" in lines[0] and "GET /boom" in lines[0]
    assert "RuntimeError: kaboom in a view spanning lines" in lines[0]


def test_api_unexpected_error_is_json(tmp_path, clean_env):
    app = _app(tmp_path, SECRET_KEY="k", TESTING=True)

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HPLEARN_PER_PAGE", "abc", "PER_PAGE must be a positive number"),
        ("HPLEARN_PER_PAGE", "0", "PER_PAGE must be a positive number"),
        ("HPLEARN_MAX_PER_PAGE", "true", "MAX_PER_PAGE must be a positive number"),
        ("HPLEARN_LINK_CHECK_TIMEOUT", "-1", "LINK_CHECK_TIMEOUT must be a positive number"),
        ("HPLEARN_SEARCH_BACKEND", "elastic", "SEARCH_BACKEND must be one of whoosh, postgres"),
    ],
)
def test_unusable_settings_are_refused_by_name(tmp_path, clean_env, variable, value, message):
    clean_env.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        _app(tmp_path)


def test_broken_instance_file_is_refused_with_its_path(tmp_path, clean_env):
    _write_cfg(tmp_path, "PER_PAGE = = 3\n")
    with pytest.raises(ConfigError, match=r"cannot read .*hplearn.cfg: SyntaxError"):
        _app(tmp_path)


@pytest.mark.parametrize("arguments", [["init"], ["--help"]])
def test_cli_reports_a_broken_setting_in_one_line(tmp_path, clean_env, arguments):
    environment = {**os.environ, "HPLEARN_INSTANCE": str(tmp_path), "HPLEARN_PER_PAGE": "abc"}
    result = subprocess.run(
        [sys.executable, "-m", "hplearn", *arguments], env=environment, capture_output=True,
        text=True, cwd=Path(__file__).resolve().parents[2], timeout=60, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: configuration: PER_PAGE must be a positive number, not 'abc'"
    )
