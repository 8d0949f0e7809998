"""Operator command for production: `hplearn cache-clear`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("cache-clear")
@with_appcontext
def cache_clear_command() -> None:
    """Start a new catalog generation: every cached page and search is out of date."""
    from hplearn.cache import catalog_cache

    cache = catalog_cache()
    cache.bump()
    click.echo("cache cleared" + (" (shared through Redis)" if cache.shared else ""))


COMMANDS = (cache_clear_command,)
