"""Operator commands for production: `hplearn cache-clear` and `hplearn backup-paths`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("cache-clear")
@with_appcontext
def cache_clear_command() -> None:
    """Start a new catalog generation: every cached page and search is out of date."""
    from hplearn.cache import catalog_cache

    cache = catalog_cache()
    cache.bump()
    click.echo("cache cleared" + (" (shared through Redis)" if cache.shared else ""))


@click.command("backup-paths", hidden=True)
@with_appcontext
def backup_paths_command() -> None:
    """Print the database URL and the media folder (for scripts/backup.sh and restore.sh)."""
    from hplearn.media.uploads import media_root

    click.echo(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(str(media_root()))


COMMANDS = (cache_clear_command, backup_paths_command)
