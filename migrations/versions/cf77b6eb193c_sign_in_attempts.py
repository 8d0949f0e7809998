"""Sign-in attempts (issue 11, item 5): failures per (account, address) pair for the back-off

Revision ID: cf77b6eb193c
Revises: f3c8d1e5a027
Create Date: 2026-12-02 14:47:53.443182

A new table only; it holds at most a day of failed sign-ins and may be emptied at any time
(everyone then starts afresh).
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'cf77b6eb193c'
down_revision = 'f3c8d1e5a027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_at'), ['at'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_username_address', ['username', 'address'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_username_at', ['username', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_attempts_username_at')
        batch_op.drop_index('ix_sign_in_attempts_username_address')
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_at'))

    op.drop_table('sign_in_attempts')
