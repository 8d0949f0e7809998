"""Every route against hostile input: ids beyond the integer range, NUL, lone surrogates, very
long strings and deeply nested JSON, as a visitor, a student and a school admin. Never a 5xx.

The route list is app.url_map itself, so a new route is fuzzed without being added here. Each
route gets every path value, then a fixed sample of query, form and JSON bodies (seeded, so a
failure repeats), which keeps the test to a few seconds a role.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
from urllib.parse import quote

import pytest

from tests import factories
from tests.qa_fixtures import ask

INT_VALUES = ("0", "-1", str(2**31), str(2**63), str(10**30))
# In a path: NUL, a lone surrogate percent-encoded (its UTF-8 bytes), the same bytes raw, long.
STRING_VALUES = ("%00", "%ED%A0%80", "\udcff", "a%00b", "x" * 3000)
# In a query string, a form or JSON: the same as text.
TEXT_VALUES = ("\x00", "a\x00b", "\ud800", "\udfff tail", "长" * 3000, str(10**30), "-1")
NUMBER_VALUES = (2**31, 2**63, 10**30, -(2**63) - 1, 1e308)
KEYS = (
    "q", "page", "per_page", "id", "term", "from", "to", "status", "subject", "grade", "stage",
    "kind", "topic", "edition", "sort", "mine", "role", "next", "title", "body", "reason",
    "username", "password", "display_name", "code", "school", "category", "date", "minutes",
    "resource_id", "resource_ids", "student_id", "user_id", "programme_id", "item_id",
    "choices", "grades", "subjects", "present", "absent", "leave", "seed", "position",
    "description", "name", "capacity", "fee_per_month", "place", "answer", "anonymous",
    "private", "public", "email", "new_password", "current_password", "featured_from",
    "featured_to", "signup_opens", "signup_closes", "page_number", "seconds", "selected",
)
DEPTH = 10_000
FORM = "application/x-www-form-urlencoded"
ROLES = ("anonymous", "student", "school_admin")
SAMPLES_PER_ROUTE = 4


@pytest.fixture
def world(app, school, other_school, student, teacher, school_admin):
    """A little of everything, so ids 1 and code hp001 reach past the lookups."""
    factories.ResourceFactory()
    ask(student)
    return {"student": student, "school_admin": school_admin}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _converters(rule):
    return [(name, type(converter).__name__) for name, converter in rule._converters.items()]


def _path(rule, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], rule.rule)


def _valid_values(rule) -> dict[str, str]:
    return {name: ("1" if kind == "IntegerConverter" else "hp001")
            for name, kind in _converters(rule)}


def _path_variants(rule):
    """The rule's path with each hostile value in every slot of its kind."""
    converters = _converters(rule)
    if not converters:
        return []
    paths = []
    for index in range(max(len(INT_VALUES), len(STRING_VALUES))):
        values = {name: (INT_VALUES[index % len(INT_VALUES)] if kind == "IntegerConverter"
                         else STRING_VALUES[index % len(STRING_VALUES)])
                  for name, kind in converters}
        paths.append(_path(rule, values))
    return paths


def _query(value: str) -> str:
    """Every key set to value, URL-encoded; a lone surrogate as its would-be UTF-8 bytes."""
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
    return "&".join(f"{key}={encoded}" for key in _keys(value))


def _keys(value: str) -> tuple[str, ...]:
    # A long value in every key would make megabyte requests that test nothing more.
    return KEYS if len(value) < 100 else KEYS[:12]


def _deep_json(depth: int = DEPTH) -> str:
    return '{"title": ' + "[" * depth + "]" * depth + "}"


def _bodies():
    """(kind, payload) pairs: forms and JSON of every hostile value, and deep nesting."""
    for value in TEXT_VALUES:
        yield "form", _query(value)
        yield "json", json.dumps(dict.fromkeys(_keys(value), value))
        yield "json", json.dumps({key: [value] for key in _keys(value)})
    for number in NUMBER_VALUES:
        yield "json", json.dumps(dict.fromkeys(KEYS, number))
    yield "json", _deep_json()
    yield "json", "[" * DEPTH + "]" * DEPTH
    yield "json", '{"title": "\\u0000", "body": "\\ud800"}'


def _requests(app, seed: int):
    """(method, path, keyword arguments) for every route: path values, then sampled bodies."""
    picker = random.Random(seed)
    bodies = list(_bodies())
    for rule, method in _routes(app):
        base = _path(rule, _valid_values(rule))
        for path in _path_variants(rule):
            yield method, path, {}
        for value in picker.sample(TEXT_VALUES, 1):
            yield method, f"{base}?{_query(value)}", {}
        if method == "GET":
            continue
        for kind, payload in picker.sample(bodies, SAMPLES_PER_ROUTE):
            if kind == "form":
                yield method, base, {"data": payload, "content_type": FORM}
            else:
                yield method, base, {"data": payload, "content_type": "application/json"}
        yield method, base, {"data": _deep_json(), "content_type": "application/json"}


def _send(client, method, path, arguments):
    if "\udcff" in path:
        # A raw (not percent-encoded) byte sequence in the request line, as a server hands it on.
        raw = path.replace("\udcff", "\xed\xa0\x80")
        return client.open(raw, method=method, environ_overrides={"PATH_INFO": raw}, **arguments)
    return client.open(path, method=method, **arguments)


def fuzz(app, login, client, role: str, world) -> list[str]:
    """Send every fuzz request as `role`; return the ones answered with a 5xx."""
    if role != "anonymous":
        assert login(world[role]).status_code == 302
    failures = []
    count = 0
    for method, path, arguments in _requests(app, seed=ROLES.index(role)):
        count += 1
        try:
            status = _send(client, method, path, arguments).status_code
        except Exception as error:  # noqa: BLE001 - escaping the app is a 500 in production
            status = f"raised {type(error).__name__}"
        if not isinstance(status, int) or status >= 500:
            failures.append(f"{status} {method} {path[:120]} {str(arguments.get('data'))[:80]!r}")
    app.config["FUZZ_COUNT"] = count
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_to_hostile_input(app, login, client, world, role, caplog):
    failures = fuzz(app, login, client, role, world)
    print(f"{role}: {app.config['FUZZ_COUNT']} requests, {len(failures)} answered 5xx")
    assert not failures, "\n".join(failures[:80])


def test_the_error_page_renders_after_a_failed_statement(app, client, login, school_admin):
    """On PostgreSQL a failed statement aborts the transaction; the 500 page of an admin (its
    menu counts pending reviews) then raised in its turn instead of rendering."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from hplearn.extensions import db

    def broken():
        with contextlib.suppress(SQLAlchemyError):  # a view that went on after a failed statement
            db.session.execute(text("SELECT * FROM no_such_table"))
        raise RuntimeError("a bug after a failed statement")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    assert login(school_admin).status_code == 302
    response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert "服务器出了点问题" in response.get_data(as_text=True)


def test_hostile_input_gets_the_standard_error_body(client):
    """The refusals are the API's usual {"error": {"code", "message"}}, in Chinese."""
    cases = [
        ("POST", "/api/v1/auth/login", {"json": {"username": "a\x00b", "password": "x"}}, 400),
        ("POST", "/api/v1/auth/login", {"data": '{"username": "\\ud800", "password": "x"}',
                                        "content_type": "application/json"}, 400),
        ("POST", "/api/v1/auth/login", {"data": _deep_json(), "content_type": "application/json"},
         400),
        ("GET", f"/api/v1/resources/{2**31}", {}, 404),
        ("GET", "/api/v1/search?q=%00", {}, 400),
    ]
    for method, path, arguments, status in cases:
        response = client.open(path, method=method, **arguments)
        assert response.status_code == status, (path, response.status_code)
        error = response.get_json()["error"]
        assert set(error) == {"code", "message"} and re.search(r"[\u4e00-\u9fff]", error["message"])
