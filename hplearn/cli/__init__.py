"""The hplearn command line: `hplearn COMMAND` (a Flask CLI group bound to create_app).

The core's commands are here (run, init, reindex, cache-clear, settings, jobs, worker); each feature adds
its own from its init_app (`app.cli.add_command`). `run` replaces Flask's development server with
waitress (hplearn/cli/server.py).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from hplearn.app import create_app
from hplearn.cli.server import run_command


def _create_app():
    from hplearn.settings import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        # A broken setting is the operator's to fix: one line, no traceback.
        click.echo(f"Error: configuration: {error}", err=True)
        raise SystemExit(2) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=True)
def cli():
    """hplearn (和平学习): manage the district's learning platform."""


cli.add_command(run_command)  # in place of Flask's development server


def main() -> None:
    """Console-script entry point."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        cli.main(prog_name="hplearn")
    except (OperationalError, ProgrammingError) as error:
        # Any command on a database that is not there, not reachable or not yet upgraded:
        # one line saying what to do, never a traceback.
        click.echo(f"错误：{database_problem(error)}", err=True)
        raise SystemExit(2) from None


def database_problem(error: Exception) -> str:
    """The operator's words for a database error a command met (missing tables, no server)."""
    detail = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
    missing = ("no such table", "no such column", "does not exist", "undefinedtable",
               "undefinedcolumn")
    if any(word in detail.lower() for word in missing):
        return (f"数据库还没有建好或需要升级，请先运行 hplearn init（{detail}）。"
                " The database is not created or not upgraded: run `hplearn init` first.")
    return f"数据库无法使用（{detail}）。 The database cannot be used: check HPLEARN_DATABASE_URL."


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's table of settings.")
@with_appcontext
def settings_command(markdown: bool) -> None:
    """List every setting with its current value (secrets hidden) and what it means."""
    from hplearn import settings

    if markdown:
        click.echo(settings.markdown_table(current_app))
        return
    for owner, setting in settings.declared(current_app):
        value = current_app.config.get(setting.name)
        shown = "(hidden)" if setting.secret and value else repr(value)
        click.echo(f"{setting.name} = {shown}    [{owner}] {setting.meaning}")


@click.group("jobs")
def jobs_group():
    """The periodic jobs the site runs by itself."""


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    """Every periodic job, how often it runs and what it does."""
    from hplearn import jobs, scheduler

    runs = scheduler.last_runs()
    for job in jobs.registered():
        minutes = job.every.total_seconds() / 60
        run = runs.get(job.name)
        last = (f"last {run.started_at:%Y-%m-%d %H:%M} UTC {'ok' if run.ok else run.result}"
                if run is not None else "never run")
        click.echo(f"{job.name}    every {minutes:g} min    {job.description}    [{last}]")


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run one periodic job now (to try it; `hplearn worker` runs them on their clock)."""
    from hplearn import jobs, scheduler

    job = jobs.get(name)
    if job is None:
        known = ", ".join(j.name for j in jobs.registered()) or "none"
        raise click.ClickException(f"no job named {name!r}; known jobs: {known}")
    ok = scheduler.run_job(job)
    click.echo(f"{job.name}: {scheduler.last_runs()[job.name].result}")
    if not ok:
        raise SystemExit(1)


def register_core_commands(app: Flask) -> None:
    """Add the core's commands to app.cli (features add their own)."""
    from hplearn.cli import production, setup, worker
    from hplearn.search.cli import reindex_command

    for command in (*setup.COMMANDS, reindex_command, production.cache_clear_command,
                    settings_command, jobs_group, *worker.COMMANDS):
        app.cli.add_command(command)
