"""作业时长: one row per student and evening (issue 14)

Revision ID: e2b7c9d4f013
Revises: e501af0989f5
Create Date: 2026-12-02 16:00:00
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'e2b7c9d4f013'
down_revision = 'e501af0989f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('homework_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('class_name', sa.String(length=32), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes >= 0 AND minutes <= 600', name=op.f('ck_homework_reports_minutes')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_homework_reports_reported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_homework_reports_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_homework_reports_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_reports')),
    sa.UniqueConstraint('student_id', 'day', name=op.f('uq_homework_reports_student_id_day'))
    )
    op.create_index('ix_homework_reports_school_day', 'homework_reports', ['school_id', 'day'], unique=False)


def downgrade():
    op.drop_index('ix_homework_reports_school_day', table_name='homework_reports')
    op.drop_table('homework_reports')
