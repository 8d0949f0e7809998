"""`hplearn init`: create or upgrade the database and the search index."""

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade


@click.command("init")
@click.option("--demo", is_flag=True, help="Also load the demo and starter content from content/.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create or upgrade the database (migrations) and the search index."""
    upgrade()
    click.echo(f"database ready: {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
    from hplearn.cli.search import ensure_search_index

    ensure_search_index()
    if demo:
        from hplearn.catalog.content import ContentError, load_content

        try:
            summary = load_content(current_app.config["CONTENT_DIR"], echo=click.echo)
        except ContentError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"demo content loaded: {summary}")


COMMANDS = (init_command,)
