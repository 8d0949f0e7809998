"""`hplearn schools …` and `hplearn users …` (create, update, promote).

Options are plain strings checked by accounts.services, so every bad value ends with one
Chinese line and exit status 1 instead of a usage screen.
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from hplearn.accounts import services
from hplearn.errors import DomainError
from hplearn.vocab import Role


def _fail(error: Exception):
    raise click.ClickException(str(error)) from None


def _school(code: str):
    """The school with this code; a one-line error when there is none."""
    school = services.school_by_code(code)
    if school is None:
        raise services.SchoolNotFound(f"没有代码为 {code} 的学校。")
    return school


@click.group("schools")
def schools_group():
    """Manage schools."""


@schools_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--stage", default="小学", show_default=True,
              help="小学, 初中 or 九年一贯 (also 高中, 完全中学).")
@click.option("--type", "school_type", help="A special school: 盲校, 聋校 or 培智学校 (default 普通).")
@with_appcontext
def create_school(code, name, stage, school_type):
    """Add a school with a short CODE and its NAME."""
    try:
        school = services.create_school(code, name, stage, school_type=school_type)
    except services.AccountError as error:
        _fail(error)
    click.echo(f"created school {school.code} ({school.name})")


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", required=True,
              help="student, teacher, school_admin, district_admin or parent.")
@click.option("--school", "school_code", help="School code (all roles but district_admin and parent).")
@click.option("--grade", help="A student's grade: 1–12, 七年级 or 初二.")
@click.option("--class", "class_name", help="A student's class, e.g. 3班.")
@click.option("--subject", "subjects", multiple=True, help="A teacher's subject (repeatable).")
@click.option("--teaches-grade", "grades", multiple=True, help="A grade a teacher teaches (repeatable).")
@click.option("--counsellor", is_flag=True, help="The teacher is a counsellor (心理老师).")
@click.option("--display-name", help="Name shown to staff; students get an alias when omitted.")
@click.option("--password", help="Initial password; prompted for when omitted.")
@click.option("--child", "children", multiple=True,
              help="A parent's child: a student's username (repeatable).")
@with_appcontext
def create_user(username, role, school_code, grade, class_name, subjects, grades, counsellor,
                display_name, password, children):
    """Add a user account."""
    school = None
    bind_children = current_app.extensions.get("hplearn.bind_children")
    try:
        # Check everything that needs no password first, so a typo fails before the prompt.
        fields = services.check_user_fields(
            username, role, grade=grade, class_name=class_name, subjects=subjects,
            grades=grades, display_name=display_name, is_counsellor=counsellor,
        )
        if school_code:
            school = _school(school_code)
        if children and (fields.role != Role.PARENT or bind_children is None):
            raise services.AccountError("只有家长账号可以用 --child 绑定孩子。")
        if children:
            bind_children(None, children)  # every child checked before the account is made
        if password is None:
            password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
        user = services.create_user(
            fields.username, fields.role, password, school=school, grade=fields.grade,
            class_name=fields.class_name, subjects=fields.subjects, grades=fields.grades,
            display_name=fields.display_name, is_counsellor=fields.is_counsellor,
        )
        if children:
            bind_children(user, children)
    except DomainError as error:
        _fail(error)
    click.echo(f"created {user.role} {user.username}"
               + (f", child {', '.join(children)}" if children else ""))


def _shown(value) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value) or "-"
    return "-" if value in (None, "") else str(value)


@users_group.command("update")
@click.argument("username")
@click.option("--grade", help="A student's grade: 1–12, 七年级 or 初二 (\"\" clears it).")
@click.option("--class", "class_name", help="A student's class, e.g. 3班 (\"\" clears it).")
@click.option("--subject", "subjects", multiple=True,
              help="A teacher's subject (repeatable; replaces the list).")
@click.option("--teaches-grade", "grades", multiple=True,
              help="A grade a teacher teaches (repeatable; replaces the list).")
@click.option("--counsellor/--no-counsellor", default=None, help="The teacher is a counsellor (心理老师).")
@click.option("--safeguarding/--no-safeguarding", default=None,
              help="The teacher takes the safeguarding lane (安全保护老师: bullying, violence, abuse).")
@click.option("--display-name", help="Name shown to staff (\"\" gives a student the alias back).")
@click.option("--role", help="Another staff role: teacher, school_admin or district_admin.")
@click.option("--school", "school_code", help="Move the account to the school with this code.")
@with_appcontext
def update_user(username, grade, class_name, subjects, grades, counsellor, safeguarding,
                display_name, role, school_code):
    """Change fields of the account USERNAME; options left out keep their value."""
    given = {"grade": grade, "class_name": class_name, "subjects": subjects, "grades": grades,
             "is_counsellor": counsellor, "is_safeguarding": safeguarding,
             "display_name": display_name, "role": role,
             "school": school_code}
    changes = {name: value for name, value in given.items() if value is not None and value != ()}
    try:
        if not changes:
            raise services.AccountError("请至少指定一项要修改的内容，例如 --grade 8。")
        user = services.user_by_username(username)
        if user is None:
            raise services.UserNotFound(f"没有用户名为 {username} 的账号。")
        changed = services.update_user(None, user, **changes)
    except services.AccountError as error:
        _fail(error)
    if not changed:
        click.echo(f"no changes to {user.username}")
    for name, (before, after) in changed.items():
        click.echo(f"updated {user.username}: {name} {_shown(before)} -> {_shown(after)}")


@users_group.command("promote")
@click.option("--school", "school_code", help="The code of the school starting its new year.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="Promote again although it already ran this school year.")
@with_appcontext
def promote(school_code, dry_run, force):
    """New school year: every active student moves up a grade; final-grade students graduate."""
    try:
        if not school_code:
            raise services.AccountError("请用 --school 指定学校代码。")
        plan = services.promote_school(None, _school(school_code), dry_run=dry_run, force=force)
    except services.AlreadyPromoted as error:
        _fail(f"{error}如确需再次升级，请加 --force。")
    except services.AccountError as error:
        _fail(error)
    for line in plan.lines():
        click.echo(line)


COMMANDS = (schools_group, users_group)
