"""宣传 and 典型案例: posts of schools and the district (issue 14)

Revision ID: f3c8d1e5a027
Revises: e2b7c9d4f013
Create Date: 2026-12-02 16:10:00
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'f3c8d1e5a027'
down_revision = 'e2b7c9d4f013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('news_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('featured_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('announcement', 'policy', 'story')", name=op.f('ck_news_posts_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_news_posts_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_news_posts_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_posts'))
    )
    op.create_index('ix_news_posts_published', 'news_posts', ['published_at'], unique=False)
    op.create_index('ix_news_posts_school_published', 'news_posts', ['school_id', 'published_at'], unique=False)


def downgrade():
    op.drop_index('ix_news_posts_school_published', table_name='news_posts')
    op.drop_index('ix_news_posts_published', table_name='news_posts')
    op.drop_table('news_posts')
