"""qa: escalation is a recorded event (questions.escalated_at replaces escalation_notified)

Revision ID: b7d4e2a91c05
Revises: 93373d378941
Create Date: 2026-12-02 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from hplearn.timeutil import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c05'
down_revision = '93373d378941'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', UTCDateTime(timezone=True), nullable=True))
    # Questions already escalated (and their teachers told) stay escalated while unanswered.
    op.execute(
        "UPDATE questions SET escalated_at = due_at "
        "WHERE escalation_notified AND status IN ('open', 'claimed')"
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('escalation_notified')


def downgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalation_notified', sa.Boolean(), nullable=True))
    op.execute("UPDATE questions SET escalation_notified = (escalated_at IS NOT NULL)")
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
