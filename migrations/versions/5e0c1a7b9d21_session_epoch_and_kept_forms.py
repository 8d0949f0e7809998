"""Sessions survive a network change (issue 12): users.session_epoch, kept_forms

Revision ID: 5e0c1a7b9d21
Revises: cf77b6eb193c
Create Date: 2026-12-02 15:00:00.000000

Signing out adds one to users.session_epoch, which every session id carries; existing sessions
(ids without an epoch) count as epoch 0 and stay signed in. kept_forms holds, for an hour, the
text a signed-out browser posted to the ask and answer forms.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = '5e0c1a7b9d21'
down_revision = 'cf77b6eb193c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
    op.create_table('kept_forms',
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('endpoint', sa.String(length=64), nullable=False),
    sa.Column('page', sa.String(length=255), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_kept_forms'))
    )
    with op.batch_alter_table('kept_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_forms_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_forms_created_at'))
    op.drop_table('kept_forms')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
