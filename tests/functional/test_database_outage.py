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


def test_connection_lost_after_the_response_is_built_keeps_the_response(app, client, monkeypatch,
                                                                       caplog):
    """PostgreSQL restarting between the view and the teardown's ROLLBACK must not give a 500."""
    from hplearn.extensions import db

    with app.app_context():
        session_class = type(db.session())
    real_close = session_class.close

    def lost(self, *args, **kwargs):
        real_close(self)  # the connection goes back (as SQLAlchemy invalidates a dead one)
        raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to "
                                                         "administrator command"))

    monkeypatch.setattr(session_class, "close", lost)
    response = client.get("/platforms")
    assert response.status_code == 200
    assert any("database session closed with an error" in record.getMessage()
               for record in caplog.records)
    monkeypatch.undo()
    assert client.get("/platforms").status_code == 200, "the next request gets a fresh session"
