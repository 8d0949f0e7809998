"""`hplearn schools …` and `hplearn users …`.

Options are plain strings checked by accounts.services, so every bad value ends with one
Chinese line and exit status 1 instead of a usage screen.
"""

import click
from flask.cli import with_appcontext

from hplearn.accounts import services


def _fail(error: Exception):
    raise click.ClickException(str(error)) from None


@click.group("schools")
def schools_group():
    """Manage schools."""


@schools_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--stage", default="小学", show_default=True, help="小学, 初中 or 九年一贯 (also 高中, 完全中学).")
@with_appcontext
def create_school(code, name, stage):
    """Add a school with a short CODE and its NAME."""
    try:
        school = services.create_school(code, name, stage)
    except services.AccountError as error:
        _fail(error)
    click.echo(f"created school {school.code} ({school.name})")


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True, help="student, teacher, school_admin or district_admin.")
@click.option("--school", "school_code", help="School code (all roles but district_admin).")
@click.option("--grade", help="A student's grade: 1–12, 七年级 or 初二.")
@click.option("--class", "class_name", help="A student's class, e.g. 3班.")
@click.option("--subject", "subjects", multiple=True, help="A teacher's subject (repeatable).")
@click.option("--teaches-grade", "grades", multiple=True, help="A grade a teacher teaches (repeatable).")
@click.option("--counsellor", is_flag=True, help="The teacher is a counsellor (心理老师).")
@click.option("--display-name", help="Name shown to staff; students get an alias when omitted.")
@click.option("--password", help="Initial password; prompted for when omitted.")
@with_appcontext
def create_user(username, role, school_code, grade, class_name, subjects, grades, counsellor,
                display_name, password):
    """Add a user account."""
    school = None
    try:
        # Check everything that needs no password first, so a typo fails before the prompt.
        fields = services.check_user_fields(
            username, role, grade=grade, class_name=class_name, subjects=subjects,
            grades=grades, display_name=display_name, is_counsellor=counsellor,
        )
        if school_code:
            school = services.school_by_code(school_code)
            if school is None:
                raise services.SchoolNotFound(f"没有代码为 {school_code} 的学校。")
        if password is None:
            password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
        user = services.create_user(
            fields.username, fields.role, password, school=school, grade=fields.grade,
            class_name=fields.class_name, subjects=fields.subjects, grades=fields.grades,
            display_name=fields.display_name, is_counsellor=fields.is_counsellor,
        )
    except services.AccountError as error:
        _fail(error)
    click.echo(f"created {user.role} {user.username}")


COMMANDS = (schools_group, users_group)
