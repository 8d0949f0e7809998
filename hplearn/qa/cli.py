"""`hplearn qa …`: Q&A maintenance."""

import click
from flask.cli import with_appcontext

from hplearn.qa import services


@click.group("qa")
def qa_group():
    """Q&A board maintenance."""


@qa_group.command("tick")
@with_appcontext
def tick():
    """Expire run-out claims, remind claimers, notify on escalation (run every few minutes)."""
    report = services.run_maintenance()
    click.echo(
        f"claims expired: {report.expired}, reminders: {report.warned}, "
        f"escalated: {report.escalated}"
    )


COMMANDS = (qa_group,)
