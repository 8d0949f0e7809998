"""Safeguarding lane (issue 12, item 6: bullying, violence at home, abuse)

Revision ID: e5b7c1d9a240
Revises: 5c1e0a7b9d42
Create Date: 2026-12-02 16:00:00

users.is_safeguarding: staff who take the safeguarding lane (like is_counsellor);
questions.safeguarding: a question in that lane; moderation_words may hold a safeguarding list.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5b7c1d9a240'
down_revision = '5c1e0a7b9d42'
branch_labels = None
depends_on = None

_LISTS_BEFORE = "list_name IN ('sensitive', 'distress')"
_LISTS_AFTER = "list_name IN ('sensitive', 'distress', 'safeguarding')"


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('is_safeguarding', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('questions') as batch:
        batch.add_column(sa.Column('safeguarding', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('moderation_words') as batch:
        batch.drop_constraint(op.f('ck_moderation_words_list_name'), type_='check')
        batch.create_check_constraint(op.f('ck_moderation_words_list_name'), sa.text(_LISTS_AFTER))


def downgrade():
    op.execute("DELETE FROM moderation_words WHERE list_name = 'safeguarding'")
    with op.batch_alter_table('moderation_words') as batch:
        batch.drop_constraint(op.f('ck_moderation_words_list_name'), type_='check')
        batch.create_check_constraint(op.f('ck_moderation_words_list_name'), sa.text(_LISTS_BEFORE))
    with op.batch_alter_table('questions') as batch:
        batch.drop_column('safeguarding')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('is_safeguarding')
