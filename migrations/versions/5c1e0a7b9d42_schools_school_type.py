"""Special schools (issue 15): schools.school_type, 盲校, 聋校 or 培智学校 (NULL: an ordinary school)

Revision ID: 5c1e0a7b9d42
Revises: 7b3f2c9e4a10
Create Date: 2026-12-02 15:00:00.000000

Catalog lists start from the textbooks of the user's school type; ordinary schools keep NULL.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1e0a7b9d42'
down_revision = '7b3f2c9e4a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_type', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('school_type')
