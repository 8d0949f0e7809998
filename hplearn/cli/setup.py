"""`hplearn init`: create or upgrade the database and the search index; load the demo content.

Features add their demo and starter content with `register_demo(app, name, load)`: `load()`
returns a one-line summary and raises click.ClickException on a bad file. `init --demo` runs
every loader in the order the features registered them; each must be safe to run again.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

DEMO = "hplearn_demo"


def register_demo(app: Flask, name: str, load: Callable[[], str]) -> None:
    """Add a feature's demo content loader to `hplearn init --demo`."""
    app.extensions.setdefault(DEMO, []).append((name, load))


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load the demo and starter content from content/.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the database (migrations) and the search index."""
    from flask_migrate import upgrade  # with Alembic: ~11 MB that serving processes never load

    upgrade()
    click.echo(f"database ready: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    from hplearn.search.cli import ensure_search_index

    ensure_search_index()
    if demo:
        for name, load in current_app.extensions.get(DEMO, []):
            click.echo(f"demo content loaded ({name}): {load()}")


COMMANDS = (init_command,)
