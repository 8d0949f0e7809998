"""roles and statuses are checked: CHECK constraints on users.role and the status columns

users.role, questions.status, resources.status, afterschool_enrolments.status and
afterschool_attendance.status may hold only the values of their enums (hplearn.vocab,
hplearn.afterschool.models).

Revision ID: d3a8c6f41e27
Revises: f09fd06b232c
Create Date: 2026-12-02 08:00:00.000000

Rows whose value differs from an allowed one only by case or surrounding spaces ("Teacher ")
are corrected; any other value stops the upgrade with a message naming the table, the values
and how many rows hold them, and nothing is changed (fix them, then run `hplearn init` again).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3a8c6f41e27'
down_revision = 'f09fd06b232c'
branch_labels = None
depends_on = None

# Frozen here: a later role (e.g. parent) widens its constraint in its own migration.
ALLOWED = {
    ('users', 'role'): ('student', 'teacher', 'school_admin', 'district_admin'),
    ('questions', 'status'): ('open', 'claimed', 'answered', 'closed', 'held'),
    ('resources', 'status'): ('draft', 'published', 'retired'),
    ('afterschool_enrolments', 'status'): ('enrolled', 'waitlisted', 'withdrawn'),
    ('afterschool_attendance', 'status'): ('present', 'absent', 'leave'),
}


class UnexpectedValues(RuntimeError):
    """Rows hold values the new CHECK constraint would refuse."""


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _normalise(connection, table: str, column: str, allowed) -> None:
    for value in allowed:
        connection.execute(sa.text(
            f"UPDATE {table} SET {column} = :value "
            f"WHERE lower(trim({column})) = :value AND {column} <> :value"
        ), {"value": value})


def _unexpected(connection, table: str, column: str, allowed) -> list[tuple[str, int]]:
    rows = connection.execute(sa.text(
        f"SELECT {column}, count(*) FROM {table} "
        f"WHERE {column} IS NULL OR {column} NOT IN ({_listed(allowed)}) GROUP BY {column}"
    ))
    return [(value, count) for value, count in rows]


def check_existing_rows(connection) -> None:
    """Correct case and spaces; raise UnexpectedValues naming every other value found."""
    problems = []
    for (table, column), allowed in ALLOWED.items():
        _normalise(connection, table, column, allowed)
        for value, count in _unexpected(connection, table, column, allowed):
            problems.append(f"{table}.{column} = {value!r} in {count} row(s)")
    if problems:
        raise UnexpectedValues(
            "cannot add the role/status CHECK constraints: " + "; ".join(problems)
            + ". Allowed: " + "; ".join(
                f"{table}.{column}: {_listed(allowed)}" for (table, column), allowed in ALLOWED.items()
            ) + ". Change those rows to an allowed value, then upgrade again."
        )


def upgrade():
    check_existing_rows(op.get_bind())
    for (table, column), allowed in ALLOWED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(
                op.f(f"ck_{table}_{column}"), sa.text(f"{column} IN ({_listed(allowed)})")
            )


def downgrade():
    for table, column in ALLOWED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_='check')
