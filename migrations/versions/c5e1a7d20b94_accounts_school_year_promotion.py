"""accounts: school year promotion (schools.promoted_school_year, users.graduated_in)

Revision ID: c5e1a7d20b94
Revises: a3ae6b55abac
Create Date: 2026-12-01 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5e1a7d20b94'
down_revision = 'a3ae6b55abac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promoted_school_year', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('graduated_in', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('graduated_in')

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('promoted_school_year')
