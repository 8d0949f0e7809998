"""Schemathesis against a live gunicorn server: no 500, no response outside docs/openapi.yaml.

Bounded: a few examples per operation and a time cap; loopback only. Signed in as a student, so
the Q&A operations are exercised past their sign-in check.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.servers import ROOT, Browser, GunicornServer, hplearn, server_environment

pytestmark = [pytest.mark.production, pytest.mark.slow]

PASSWORD = "schemathesis-pass-42"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")
MAX_SECONDS = 60

RESOURCES_CSV = (
    "external_id,title,stage,grade,subject,edition,volume,school_type,resource_type,url,"
    "cover_url,source,summary,kind,topic,tags\n"
    """st-1,勾股定理,初中,8,数学,人教版,八年级下册,,,https://example.org/a,,st,直角三角形三边的关系,article,,几何
st-2,古诗三首,小学,3,语文,统编版,三年级上册,,,https://example.org/b,,st,山行 赠刘景文 夜书所见,article,,古诗
st-3,垃圾分类,小学,,科学,,,,,https://example.org/c,,st,生态文明,video,,环保
""")


@pytest.fixture
def api_server(tmp_path):
    """A gunicorn server over a small catalog, with a school, a student and a teacher."""
    env = server_environment(tmp_path / "instance", SECRET_KEY="schemathesis-secret")
    hplearn(env, "init")
    csv_file = tmp_path / "resources.csv"
    csv_file.write_text(RESOURCES_CSV, encoding="utf-8")
    hplearn(env, "import", str(csv_file))
    hplearn(env, "schools", "create", "hp001", "和平区第一小学", "--stage", "九年一贯")
    hplearn(env, "users", "create", "stu1", "--role", "student", "--school", "hp001",
            "--grade", "8", "--password", PASSWORD)
    hplearn(env, "users", "create", "tea1", "--role", "teacher", "--school", "hp001",
            "--subject", "数学", "--teaches-grade", "8", "--password", PASSWORD)
    with GunicornServer(env, tmp_path / "gunicorn.log") as server:
        yield server


def _unserved_paths(tmp_path) -> list[str]:
    """Documented paths this build does not serve (a feature not merged yet): left out."""
    from hplearn.app import create_app
    from tests.conftest import make_test_config
    from tests.openapi_check import documented_paths

    app = create_app(make_test_config(tmp_path / "routes"))
    served = {re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "<id>", rule.rule)
              for rule in app.url_map.iter_rules()}
    return sorted(
        path.removeprefix("/api/v1").replace("<id>", "{id}").replace("<code>", "{code}")
        for path in documented_paths()
        if re.sub(r"<[a-z_]+>", "<id>", path) not in served
    )


def test_schemathesis_finds_no_server_error_and_no_schema_violation(api_server, tmp_path):
    student = Browser(api_server.url)
    student.sign_in("stu1", PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in student.cookies)
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "docs" / "openapi.yaml"),
        "--url", f"{api_server.url}/api/v1",
        "--checks", CHECKS,
        "--max-examples", "12",
        "--max-time", str(MAX_SECONDS),
        "--phases", "examples,coverage,fuzzing",
        # One worker: on CPython 3.11.7, hypothesis (describing a filter) ran ast.parse in two
        # threads at once and raised SystemError "AST constructor recursion depth mismatch",
        # a runtime error of the tool, not of the API.
        "--workers", "1",
        "--seed", "7",
        "--request-timeout", "20",
        "--generation-database", "none",
        *(argument for path in _unserved_paths(tmp_path)
          for argument in ("--exclude-path", path)),
        "--exclude-path", "/auth/logout",
        "--exclude-path", "/auth/password",
        "--header", f"Cookie: {cookie}",
        "--header", f"X-CSRFToken: {student.csrf_token}",
        "--no-color",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                            timeout=MAX_SECONDS + 120)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " 500 " not in api_server.log(), api_server.log()[-3000:]
