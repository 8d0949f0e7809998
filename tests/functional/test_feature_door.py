"""The core's door for features: commit phases in order, jobs, the API's 401, one error root."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint
from sqlalchemy import text

from hplearn import dispatch, jobs
from hplearn.app import FEATURES, create_app
from hplearn.errors import DomainError, NotFound
from hplearn.extensions import db
from tests import factories
from tests.conftest import make_test_config


def test_after_commit_phases_run_in_their_order_whatever_the_registration_order(app):
    calls = []
    for phase in reversed(dispatch.PHASES):
        dispatch.after_commit(app, phase, lambda session, phase=phase: calls.append(phase))
    factories.SchoolFactory(code="hp777", name="测试学校")
    db.session.commit()
    assert calls[-len(dispatch.PHASES):] == list(dispatch.PHASES)


def test_a_failing_handler_does_not_stop_the_next_phase(app, caplog):
    calls = []

    def broken(session):
        raise RuntimeError("index down")

    dispatch.after_commit(app, "index", broken)
    dispatch.after_commit(app, "mail", lambda session: calls.append("mail"))
    factories.SchoolFactory(code="hp778", name="测试学校二")
    db.session.commit()
    assert calls and set(calls) == {"mail"} and "index down" in caplog.text


def test_rollback_handlers_run_for_the_outermost_transaction(app):
    calls = []
    dispatch.on_rollback(app, lambda session: calls.append("rolled back"))
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    assert calls == ["rolled back"]


def test_unknown_phase_is_refused(app):
    with pytest.raises(ValueError, match="unknown after-commit phase"):
        dispatch.after_commit(app, "later", lambda session: None)


def test_features_register_their_periodic_jobs(app, runner):
    names = {job.name for job in jobs.registered(app)}
    assert {"qa.maintenance", "stats.rollup", "catalog.check_links"} <= names
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and "qa.maintenance" in listed.output
    ran = runner.invoke(args=["jobs", "run", "qa.maintenance"])
    assert ran.exit_code == 0 and "qa.maintenance" in ran.output
    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code != 0 and "no job named 'nope'" in unknown.output


def test_a_job_name_is_registered_once(app):
    with pytest.raises(ValueError, match="registered twice"):
        jobs.register(app, "qa.maintenance", lambda: None, every=timedelta(minutes=1))


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/questions"), ("POST", "/api/v1/questions/1/claim"),
    ("POST", "/api/v1/collections"), ("POST", "/api/v1/media"), ("GET", "/api/v1/teacher/queue"),
    ("PATCH", "/api/v1/collections/1"), ("POST", "/api/v1/auth/logout"),
])
def test_an_anonymous_api_call_gets_401_json_even_with_csrf_on(tmp_path, method, path):
    application = create_app(make_test_config(tmp_path, WTF_CSRF_ENABLED=True))
    response = application.test_client().open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_signed_in_api_call_still_needs_the_csrf_token(app, client, login, student):
    login(student)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/v1/questions", json={"title": "一个问题的标题"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


class Missing(NotFound):
    """A test error."""


def test_a_domain_error_is_mapped_once_for_pages_and_once_for_the_api(tmp_path):
    application = create_app(make_test_config(tmp_path))
    probe = Blueprint("probe", __name__)

    @probe.get("/probe")
    @probe.get("/api/v1/probe")
    def raising():
        raise Missing("没有这个东西。", "thing")

    @probe.get("/probe/plain")
    def plain():
        raise DomainError()

    application.register_blueprint(probe)
    client = application.test_client()
    page = client.get("/probe")
    assert page.status_code == 404 and "没有这个东西。" in page.get_data(as_text=True)
    api = client.get("/api/v1/probe")
    assert api.status_code == 404
    assert api.get_json() == {"error": {"code": "not_found", "message": "没有这个东西。",
                                        "field": "thing"}}
    assert client.get("/probe/plain").status_code == 400


def test_every_feature_is_a_package_with_one_door():
    import importlib

    for name in FEATURES:
        module = importlib.import_module(f"hplearn.{name}")
        assert callable(getattr(module, "init_app", None)), name
