"""Queue indexes at district scale (issue 16, item 5): waiting questions by subject, reservations

Revision ID: c5d1a8e4f702
Revises: b3e9f2c7a418
Create Date: 2026-12-03 11:20:00

ix_questions_waiting_subject holds only open and claimed questions, by subject and school, so a
teacher's queue reads its subject's waiting rows instead of every open row of the district;
ix_questions_reserved finds the follow-ups and assignments reserved for one teacher.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5d1a8e4f702'
down_revision = 'b3e9f2c7a418'
branch_labels = None
depends_on = None

WAITING = "status IN ('open', 'claimed')"
RESERVED = "reserved_for_id IS NOT NULL"


def upgrade():
    op.create_index('ix_questions_waiting_subject', 'questions', ['subject', 'school_id'],
                    postgresql_where=sa.text(WAITING), sqlite_where=sa.text(WAITING))
    op.create_index('ix_questions_reserved', 'questions', ['reserved_for_id'],
                    postgresql_where=sa.text(RESERVED), sqlite_where=sa.text(RESERVED))


def downgrade():
    op.drop_index('ix_questions_reserved', table_name='questions')
    op.drop_index('ix_questions_waiting_subject', table_name='questions')
