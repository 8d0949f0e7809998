"""Monthly rollups of Q&A, resources and searches; monthly askers kept apart; months built

Revision ID: d6a2f4c8b310
Revises: c5d1a8e4f702
Create Date: 2026-12-03 15:30:00

A district report over a year reads whole months from monthly rows (issue 16, item 5). The
monthly tables are filled by the rollup job: each month it merges is listed in
stat_months_built, and a month not listed there is read from its daily rows, so nothing is
missing from a report between the upgrade and the job's first runs (it merges three months a
run, newest first).
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'd6a2f4c8b310'
down_revision = 'c5d1a8e4f702'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('stat_question_monthly',
    sa.Column('asked_sample', sa.String(length=90), nullable=False),
    sa.Column('answered_sample', sa.String(length=90), nullable=False),
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=32), nullable=True),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('claimed', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('response_minutes', sa.JSON(), nullable=False),
    sa.Column('asker_sample', sa.String(length=90), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stat_question_monthly'))
    )
    with op.batch_alter_table('stat_question_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_stat_question_monthly_school_day', ['school_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_stat_question_monthly_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('stat_resource_monthly',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('watch_seconds', sa.Integer(), nullable=False),
    sa.Column('people_sample', sa.String(length=90), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stat_resource_monthly'))
    )
    with op.batch_alter_table('stat_resource_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_stat_resource_monthly_school_day', ['school_id', 'day'], unique=False)

    op.create_table('stat_search_monthly',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.String(length=100), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('zero_results', sa.Integer(), nullable=False),
    sa.Column('people_sample', sa.String(length=90), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stat_search_monthly'))
    )
    with op.batch_alter_table('stat_search_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_stat_search_monthly_school_day', ['school_id', 'day'], unique=False)

    op.create_table('stat_months_built',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('built_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_stat_months_built'))
    )
    # Rows merged before this revision are not listed in stat_months_built: never read.
    for table in ('stat_school_monthly', 'stat_subject_monthly'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('asked_sample', sa.String(length=90), server_default='',
                                          nullable=False))
            batch_op.add_column(sa.Column('answered_sample', sa.String(length=90), server_default='',
                                          nullable=False))


def downgrade():
    for table in ('stat_subject_monthly', 'stat_school_monthly'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('answered_sample')
            batch_op.drop_column('asked_sample')
    op.drop_table('stat_months_built')
    with op.batch_alter_table('stat_search_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_stat_search_monthly_school_day')
    op.drop_table('stat_search_monthly')
    with op.batch_alter_table('stat_resource_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_stat_resource_monthly_school_day')
    op.drop_table('stat_resource_monthly')
    with op.batch_alter_table('stat_question_monthly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_question_monthly_teacher_id'))
        batch_op.drop_index('ix_stat_question_monthly_school_day')
    op.drop_table('stat_question_monthly')
