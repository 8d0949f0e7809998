"""media followup_id: photos students attach to a follow-up (issue 12, item 4)

Revision ID: b4c1e7a9d2f6
Revises: e5b7c1d9a240
Create Date: 2026-12-02 16:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4c1e7a9d2f6'
down_revision = 'e5b7c1d9a240'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_media_followup_id'), ['followup_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_media_followup_id_question_followups'),
                                    'question_followups', ['followup_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_media_followup_id_question_followups'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_media_followup_id'))
        batch_op.drop_column('followup_id')
