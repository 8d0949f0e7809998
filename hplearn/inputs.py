"""Hostile input refused at the door, for every route at once: a 4xx, never a 500.

What a fuzzer found (issue 11, item 6), and what each piece here does about it:
- Ids beyond the database's integer range in a path (`/qa/9223372036854775808`) overflowed
  the driver. The `int` converter only matches ids a column can hold; others are 404.
- NUL characters cannot be stored by PostgreSQL, and lone surrogates (`"\\ud800"` in JSON) cannot
  be encoded by either database. `refuse_unstorable_text` answers 400 for either, anywhere
  in the path, the query string, a form or a JSON body, before any view runs.
- JSON nested thousands of levels deep made the parser raise RecursionError. The JSON provider
  refuses nesting deeper than MAX_JSON_DEPTH, as a malformed body; integers no column can hold
  are refused with the unstorable text.
- What still gets past a view's own checks to the database (a number out of a column's range,
  two requests creating the same name at once) is answered 400 or 409 by the handlers below,
  after a rollback, instead of the 500 of an unexpected error.
"""

from __future__ import annotations

import contextlib
import json

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from hplearn.errors import json_error, wants_json
from hplearn.pagination import InvalidParameter

INTEGER_MAX = 2**31 - 1  # PostgreSQL's integer, the type of every id column
BIGINT_MAX = 2**63 - 1
MAX_JSON_DEPTH = 32
UNSTORABLE_TEXT = "请求参数里有无法处理的字符（空字符等控制字符，或不完整的文字编码），请删除后重试。"
NUMBER_TOO_LARGE = "提交的数字太大，超出了可以处理的范围，请检查后重试。"
INVALID_VALUE = "提交的内容超出了允许的范围或格式有误，请检查后重试。"
CONFLICT = "有人刚刚做了同样的操作（例如同名的账号刚被创建），请刷新页面后再试。"


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` that matches only ids an integer column can hold; larger ones are 404."""

    def __init__(self, map, fixed_digits=0, min=0, max=INTEGER_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Parses request bodies no deeper than MAX_JSON_DEPTH; deeper ones are malformed."""

    def loads(self, s, **kwargs):
        """Parse JSON; raise ValueError (a bad body to Flask) when it nests too deep."""
        try:
            data = json.loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deep") from error
        if _depth(data) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deep")
        return data


def _depth(data) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((item, level + 1) for item in value)
    return deepest


def init_app(app: Flask) -> None:
    """Install the bounded converter, the JSON provider, the input check and the handlers."""
    from sqlalchemy.exc import DataError, IntegrityError

    app.url_map.converters["int"] = BoundedIntegerConverter
    provider = DepthLimitedJSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii
    app.json = provider
    app.before_request(refuse_unstorable_text)
    app.register_error_handler(DataError, _refuse_value)
    app.register_error_handler(OverflowError, _refuse_value)
    app.register_error_handler(IntegrityError, _refuse_conflict)


def refuse_unstorable_text() -> None:
    """404 for NUL or a lone surrogate in the path (no object has such a name); 400 for one in
    the query, form or JSON body, or a huge number there."""
    if _first_problem(list((request.view_args or {}).values())) is not None:
        abort(404)
    values = _multi_items(request.args)
    # Not multipart: an upload must not be read before its route's size check; its text
    # fields cannot hold a lone surrogate (Werkzeug decodes them with replacement), and a
    # NUL there is refused by PostgreSQL as a DataError, answered 400 below.
    if request.mimetype == "application/x-www-form-urlencoded":
        values.extend(_multi_items(request.form))
    problem = _first_problem(values)
    if problem is None and request.is_json:
        problem = _first_problem([request.get_json(silent=True)])
    if problem is not None:
        raise InvalidParameter("", problem)  # 400, code invalid_parameter, like other bad values


def _multi_items(values) -> list:
    return [item for pair in values.items(multi=True) for item in pair]


def _first_problem(values: list) -> str | None:
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not _storable(value):
                return UNSTORABLE_TEXT
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > BIGINT_MAX:
                return NUMBER_TOO_LARGE
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_value(error: Exception):
    """A value the database (or driver) cannot hold reached it: 400, after a rollback."""
    _rollback_and_log(error)
    return _error_response(400, NUMBER_TOO_LARGE if isinstance(error, OverflowError)
                           else INVALID_VALUE)


def _refuse_conflict(error: Exception):
    """A unique constraint refused a row another request wrote meanwhile: 409, after a rollback."""
    _rollback_and_log(error)
    return _error_response(409, CONFLICT)


def _rollback_and_log(error: Exception) -> None:
    from hplearn.extensions import db

    with contextlib.suppress(Exception):
        db.session.rollback()
    # A warning, not an error: the client's input was refused; but a view let it through.
    current_app.logger.warning(
        "refused by the database: %s %s -> %s: %s", request.method, request.path[:200],
        type(error).__name__, " ".join(str(error).split())[:300],
    )


def _error_response(status: int, message: str):
    from flask import render_template

    if wants_json():
        return json_error(status, message)
    return render_template("errors/error.html", status=status, message=message), status
