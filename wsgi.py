"""WSGI entry point (gunicorn wsgi:app)."""

from hplearn.app import create_app

app = create_app()
