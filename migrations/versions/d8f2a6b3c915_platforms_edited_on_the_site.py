"""Platforms edited on the site (issue 15: the platform directory edited in the web UI)

Revision ID: d8f2a6b3c915
Revises: c41d8e2f7a10
Create Date: 2026-12-02 15:30:00

platforms.edited_at: set when a district admin edits one (init --demo then keeps the edit);
platforms.hidden: not listed on /platforms.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'd8f2a6b3c915'
down_revision = 'c41d8e2f7a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('platforms') as batch:
        batch.add_column(sa.Column('edited_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('hidden', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('platforms') as batch:
        batch.drop_column('hidden')
        batch.drop_column('edited_at')
