"""The hplearn command line: `hplearn COMMAND` (a Flask CLI group bound to create_app)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from hplearn.app import create_app


def _create_app():
    from hplearn.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        # A broken setting is the operator's to fix: one line, no traceback.
        click.echo(f"Error: configuration: {error}", err=True)
        raise SystemExit(2) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True)
def cli():
    """hplearn (和平学习): manage the district's learning platform."""


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="hplearn")


def register(app) -> None:
    """Add every hplearn command to app.cli (so `flask --app wsgi` knows them too)."""
    from hplearn.cli import accounts, search, setup

    for command in (*setup.COMMANDS, *accounts.COMMANDS, *search.COMMANDS):
        app.cli.add_command(command)

    from hplearn.cli import catalog

    for command in catalog.COMMANDS:
        app.cli.add_command(command)

    from hplearn.cli import production

    for command in production.COMMANDS:
        app.cli.add_command(command)

    from hplearn.cli import stats

    for command in stats.COMMANDS:
        app.cli.add_command(command)
    from hplearn.cli import qa

    for command in qa.COMMANDS:
        app.cli.add_command(command)
