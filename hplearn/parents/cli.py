"""`hplearn parents binding-code`: print the one-use codes a school hands to families."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from hplearn.accounts.models import School, User
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.parents import services
from hplearn.vocab import Role


@click.group("parents")
def parents_group():
    """Parents: binding codes for families."""


@parents_group.command("binding-code")
@click.option("--school", "school_code", required=True, help="The students' school code.")
@click.argument("usernames", nargs=-1, required=True)
@with_appcontext
def binding_code(school_code, usernames):
    """Print a one-use binding code for each student USERNAME of the school (one per line)."""
    school = db.session.scalar(select(School).where(School.code == school_code))
    if school is None:
        raise click.ClickException(f"没有找到学校 {school_code}。")
    students = []
    for username in usernames:
        student = db.session.scalar(select(User).where(User.username == username))
        if (student is None or student.role != Role.STUDENT or student.school_id != school.id
                or not student.active):
            raise click.ClickException(f"{school.name}没有名为 {username} 的在读学生。")
        students.append(student)
    for student in students:
        try:
            code, record = services.issue_binding_code(None, school, student)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        expires = record.expires_at.date().isoformat()
        click.echo(f"{student.username}\t{code[:5]}-{code[5:]}\t有效期至 {expires}")
