"""`hplearn schools …` and `hplearn users …`."""

import click
from flask.cli import with_appcontext

from hplearn.accounts import services
from hplearn.accounts.models import ROLES
from hplearn.vocab import SCHOOL_STAGES


@click.group("schools")
def schools_group():
    """Manage schools."""


@schools_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--stage", type=click.Choice(SCHOOL_STAGES), default="小学", show_default=True)
@with_appcontext
def create_school(code, name, stage):
    """Add a school with a short CODE and its NAME."""
    try:
        school = services.create_school(code, name, stage)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created school {school.code} ({school.name})")


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--school", "school_code", help="School code (all roles but district_admin).")
@click.option("--grade", type=click.IntRange(1, 12), help="A student's grade.")
@click.option("--subject", "subjects", multiple=True, help="A teacher's subject (repeatable).")
@click.option("--counsellor", is_flag=True, help="The teacher is a counsellor (心理老师).")
@click.option("--password", help="Initial password; prompted for when omitted.")
@with_appcontext
def create_user(username, role, school_code, grade, subjects, counsellor, password):
    """Add a user account."""
    school = None
    if school_code:
        school = services.school_by_code(school_code)
        if school is None:
            raise click.ClickException(f"no school with code {school_code}")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            username, role, password, school=school, grade=grade,
            subjects=list(subjects), is_counsellor=counsellor,
        )
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.role} {user.username}")


COMMANDS = (schools_group, users_group)
