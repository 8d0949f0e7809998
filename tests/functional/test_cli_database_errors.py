"""A command on a database that is missing, not upgraded or unreachable: one Chinese line, exit 2."""

import pytest

from tests.servers import closed_port_url, hplearn, server_environment


@pytest.mark.parametrize("command", [
    ("afterschool", "replay", "demo-xx", "2026-1"),
    ("users", "promote", "--school", "demo-xx", "--dry-run"),
    ("afterschool", "allocate", "demo-xx", "2026-1"),
])
def test_command_before_init_says_run_init(tmp_path, command):
    env = server_environment(tmp_path / "instance", SECRET_KEY="cli-errors")
    result = hplearn(env, *command, check=False)
    assert result.returncode == 2
    assert "请先运行 hplearn init" in result.stderr
    assert "Traceback" not in result.stderr


def test_command_on_an_unreachable_database_says_so(tmp_path):
    url = closed_port_url("postgresql+psycopg").rsplit("/", 1)[0] + "/hplearn"
    env = server_environment(tmp_path / "instance", SECRET_KEY="cli-errors", DATABASE_URL=url)
    result = hplearn(env, "users", "promote", "--school", "x", "--dry-run", check=False)
    assert result.returncode == 2
    assert "数据库无法使用" in result.stderr
    assert "Traceback" not in result.stderr
