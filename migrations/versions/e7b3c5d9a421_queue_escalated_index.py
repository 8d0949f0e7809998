"""Queue at district scale: an index of the escalated questions still waiting, by subject

Revision ID: e7b3c5d9a421
Revises: d6a2f4c8b310
Create Date: 2026-12-03 15:40:00

The teacher's queue is an OR of three parts, each found by its own index: reserved for the
teacher (ix_questions_reserved), the subject's waiting questions of the teacher's school
(ix_questions_waiting_subject) and the subject's escalated waiting questions of the district
(this one), so neither database reads the subject's waiting rows of every school. Status
comes first so that SQLite, which sees it in ix_questions_queue too, takes this smaller one.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7b3c5d9a421'
down_revision = 'd6a2f4c8b310'
branch_labels = None
depends_on = None

ESCALATED = "escalated_at IS NOT NULL AND status IN ('open', 'claimed')"


def upgrade():
    op.create_index('ix_questions_escalated', 'questions', ['status', 'subject'],
                    postgresql_where=sa.text(ESCALATED), sqlite_where=sa.text(ESCALATED))


def downgrade():
    op.drop_index('ix_questions_escalated', table_name='questions')
