"""Q&A closed dates set by admins (issue 12): qa_closed_dates

Revision ID: 7b3f2c9e4a10
Revises: 5e0c1a7b9d21
Create Date: 2026-12-02 15:20:00.000000

A row closes first_day..last_day for one school, or (school_id NULL) for the whole district,
besides China's public holidays. HPLEARN_QA_CLOSED_DATES keeps counting as district-wide.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = '7b3f2c9e4a10'
down_revision = '5e0c1a7b9d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('qa_closed_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qa_closed_dates_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_qa_closed_dates_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_closed_dates'))
    )
    with op.batch_alter_table('qa_closed_dates', schema=None) as batch_op:
        batch_op.create_index('ix_qa_closed_dates_scope', ['school_id', 'last_day'], unique=False)


def downgrade():
    with op.batch_alter_table('qa_closed_dates', schema=None) as batch_op:
        batch_op.drop_index('ix_qa_closed_dates_scope')
    op.drop_table('qa_closed_dates')
