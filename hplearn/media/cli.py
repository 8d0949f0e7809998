"""`hplearn backup-paths`: what scripts/backup.sh and restore.sh copy."""

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("backup-paths", hidden=True)
@with_appcontext
def backup_paths_command() -> None:
    """Print the database URL and the media folder (for scripts/backup.sh and restore.sh)."""
    from hplearn.media.uploads import media_root

    click.echo(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(str(media_root()))


