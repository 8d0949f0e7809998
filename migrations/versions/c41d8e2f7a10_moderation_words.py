"""Moderation words added in the web UI (issue 15: word lists edited in the web UI)

Revision ID: c41d8e2f7a10
Revises: 644882f5f1ea
Create Date: 2026-12-02 15:00:00

The files content/*_words.txt stay the starting lists; district admins add words here.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'c41d8e2f7a10'
down_revision = '644882f5f1ea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_name', sa.String(length=16), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("list_name IN ('sensitive', 'distress')", name=op.f('ck_moderation_words_list_name')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_moderation_words_added_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_words')),
    sa.UniqueConstraint('list_name', 'word', name=op.f('uq_moderation_words_list_name_word'))
    )


def downgrade():
    op.drop_table('moderation_words')
