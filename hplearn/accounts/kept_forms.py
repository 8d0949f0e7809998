"""Forms that survive a session that ended while the user was typing.

A student's phone may lose its session (signed out on another device, the browser dropped the
cookie) while a question is being typed. A feature names its forms with `keep_form_on`; a post
to one of them without a signed-in user is then kept (only the named text fields, bounded; never
passwords or files), the browser goes to the sign-in page, and the form's page fills the text in
again with `restore_kept_form` after sign-in.

The hook runs before the CSRF check on purpose: a browser whose session cookie is gone has lost
its CSRF token too, and nothing is done with the kept text but showing it back, in a form its
user still has to submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, request, session, url_for
from flask_login import current_user

from hplearn.accounts import services
from hplearn.timeutil import utcnow

SESSION_KEY = "_kept_form"
MAX_FIELD_CHARS = 20000


@dataclass(frozen=True)
class KeptFormRule:
    """Which fields of a form posted to an endpoint are kept, and on which page they return."""

    fields: tuple[str, ...]
    page: Callable[..., str]


_RULES: dict[str, KeptFormRule] = {}


def keep_form_on(endpoint: str, fields: tuple[str, ...], page: Callable[..., str]) -> None:
    """Keep these fields of a signed-out post to endpoint; page(**view_args) is where they return."""
    _RULES[endpoint] = KeptFormRule(fields, page)


def init_app(app) -> None:
    """Run the keeper before every other request hook (the CSRF check among them)."""
    app.before_request_funcs.setdefault(None, []).insert(0, keep_signed_out_post)


def keep_signed_out_post():
    """A post to a kept form without a signed-in user: keep its text and go to sign in."""
    rule = _RULES.get(request.endpoint or "")
    if rule is None or request.method != "POST" or current_user.is_authenticated:
        return None
    page = rule.page(**(request.view_args or {}))
    token = services.keep_form(request.endpoint, page, _posted_fields(rule), utcnow())
    if token:
        session[SESSION_KEY] = {"token": token, "endpoint": request.endpoint}
        flash("登录已失效，请重新登录。你刚才填写的内容已保存，登录后会自动填回。", "info")
    else:
        flash("登录已失效，请重新登录。", "info")
    return redirect(url_for("accounts.login", next=page))


def _posted_fields(rule: KeptFormRule) -> dict[str, str]:
    return {name: request.form.get(name, "")[:MAX_FIELD_CHARS]
            for name in rule.fields if name in request.form}


def restore_kept_form(form, endpoint: str) -> bool:
    """Fill in the form the browser posted to endpoint before signing in; whether it did."""
    waiting = session.get(SESSION_KEY)
    if not isinstance(waiting, dict) or waiting.get("endpoint") != endpoint:
        return False
    session.pop(SESSION_KEY, None)
    kept = services.take_kept_form(waiting.get("token"), utcnow())
    if kept is None or kept.endpoint != endpoint:
        return False
    for name, value in kept.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.process_data(_field_value(field, value))
    flash("已填回你登录前填写的内容，请检查后再提交。", "info")
    return True


def _field_value(field, value: str):
    if field.type == "BooleanField":
        return value not in ("", "n", "no", "false", "0", "off")
    return value
