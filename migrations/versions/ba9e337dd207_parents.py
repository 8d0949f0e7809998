"""Parents (issue 14): the 'parent' role, parents bound to children, one-time binding codes

Revision ID: ba9e337dd207
Revises: 87e403a6dd9b
Create Date: 2026-12-02 12:30:48.149431

users.role may now hold 'parent' (ck_users_role is replaced, batch mode on SQLite). A downgrade
stops while parent accounts exist, rather than deleting them.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'ba9e337dd207'
down_revision = '87e403a6dd9b'
branch_labels = None
depends_on = None


def upgrade():
    _user_roles("'student', 'teacher', 'school_admin', 'district_admin', 'parent'")
    op.create_table('parent_binding_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_parent_binding_codes_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_parent_binding_codes_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_parent_binding_codes_student_id_users')),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_parent_binding_codes_used_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_binding_codes')),
    sa.UniqueConstraint('digest', name=op.f('uq_parent_binding_codes_digest'))
    )
    with op.batch_alter_table('parent_binding_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_binding_codes_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_binding_codes_student_id'), ['student_id'], unique=False)

    op.create_table('parent_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_parent_links_parent_id_users')),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_parent_links_student_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_links')),
    sa.UniqueConstraint('parent_id', 'student_id', name=op.f('uq_parent_links_parent_id_student_id'))
    )
    with op.batch_alter_table('parent_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_links_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_links_student_id'), ['student_id'], unique=False)


def _user_roles(listed: str) -> None:
    """Replace the CHECK constraint on users.role."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), sa.text(f"role IN ({listed})"))


def downgrade():
    parents = op.get_bind().execute(sa.text("SELECT count(*) FROM users WHERE role = 'parent'"))
    count = parents.scalar()
    if count:
        raise RuntimeError(
            f"cannot downgrade: {count} parent account(s) exist; deactivate and delete them, "
            "or change their role, then downgrade again."
        )
    with op.batch_alter_table('parent_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_links_student_id'))
        batch_op.drop_index(batch_op.f('ix_parent_links_parent_id'))

    op.drop_table('parent_links')
    with op.batch_alter_table('parent_binding_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_binding_codes_student_id'))
        batch_op.drop_index(batch_op.f('ix_parent_binding_codes_school_id'))

    op.drop_table('parent_binding_codes')
    _user_roles("'student', 'teacher', 'school_admin', 'district_admin'")
