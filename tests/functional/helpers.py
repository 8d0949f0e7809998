"""Small helpers for functional tests that use more than one test client."""

from flask import g


def forget_loaded_user() -> None:
    """Drop flask-login's cached user before a request from another client.

    The app fixture keeps one app context around every request, so the user loaded for one
    client would otherwise leak into the next client's request.
    """
    g.pop("_login_user", None)
