"""Parents (issue 14, part 2): 意见建议 to schools, 家委会 members, parents confirm sign-ups

Revision ID: e501af0989f5
Revises: d8f2a6b3c915
Create Date: 2026-12-02 14:45:23.886066

Existing sign-ups need no parent's confirmation (awaiting_parent false).
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'e501af0989f5'
down_revision = 'd8f2a6b3c915'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('parent_committee_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_parent_committee_members_appointed_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_parent_committee_members_parent_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_parent_committee_members_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_committee_members')),
    sa.UniqueConstraint('school_id', 'parent_id', name=op.f('uq_parent_committee_members_school_id_parent_id'))
    )
    with op.batch_alter_table('parent_committee_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_committee_members_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_committee_members_school_id'), ['school_id'], unique=False)

    op.create_table('parent_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("category IN ('课后服务', '作业负担', '线上学习', '安全', '其他')", name=op.f('ck_parent_feedback_category')),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_parent_feedback_parent_id_users')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_parent_feedback_replied_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_parent_feedback_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parent_feedback'))
    )
    with op.batch_alter_table('parent_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parent_feedback_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_feedback_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parent_feedback_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('afterschool_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_parent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_afterschool_signups_confirmed_by_id_users'), 'users', ['confirmed_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('afterschool_signups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_afterschool_signups_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('awaiting_parent')

    with op.batch_alter_table('parent_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_feedback_school_id'))
        batch_op.drop_index(batch_op.f('ix_parent_feedback_parent_id'))
        batch_op.drop_index(batch_op.f('ix_parent_feedback_due_at'))

    op.drop_table('parent_feedback')
    with op.batch_alter_table('parent_committee_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parent_committee_members_school_id'))
        batch_op.drop_index(batch_op.f('ix_parent_committee_members_parent_id'))

    op.drop_table('parent_committee_members')
