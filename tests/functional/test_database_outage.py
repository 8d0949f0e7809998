"""The database going away mid-request gives a clear 503, not a 500 or a hang."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from hplearn.catalog import services


def _outage(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(services, "newest_resources", _outage)
    monkeypatch.setattr(services, "published_resources", _outage)


def test_page_says_try_again_shortly(client, database_down):
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_signed_in_user_gets_the_page_without_another_database_call(client, login, student,
                                                                    database_down):
    login(student)
    response = client.get("/browse")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_api_answers_json_503(client, database_down):
    response = client.get("/api/v1/resources")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
