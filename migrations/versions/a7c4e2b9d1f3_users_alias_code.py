"""Students' aliases are stored random codes, no longer a hash of the account id (issue 11, item 2)

Revision ID: a7c4e2b9d1f3
Revises: b4c1e7a9d2f6
Create Date: 2026-12-02 15:00:00.000000

Adds users.alias_code and gives every existing account a random one. The old alias was an
unkeyed hash of the sequential id, so anyone could turn it back into the id; a display name
that still equals that old alias (what students got when no name was entered) becomes the new
alias too. A downgrade drops the column (the old code computes its aliases again; display names
keep the new ones).
"""
import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c4e2b9d1f3'
down_revision = 'b4c1e7a9d2f6'
branch_labels = None
depends_on = None

# A copy, not an import: a migration keeps working when the model changes later.
ALIAS_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALIAS_LENGTH = 8


def _new_code() -> str:
    return "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))


def _old_alias(user_id: int) -> str:
    digest = hashlib.blake2b(f"hplearn-alias:{user_id}".encode(), digest_size=3).hexdigest()
    return f"同学{digest.upper()}"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alias_code', sa.String(length=16), nullable=True))
    _backfill()
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('alias_code', existing_type=sa.String(length=16), nullable=False)


def _backfill() -> None:
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('alias_code', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.display_name)).all()
    for user_id, display_name in rows:
        code = _new_code()
        values = {'alias_code': code}
        if display_name == _old_alias(user_id):
            values['display_name'] = f"同学{code}"
        connection.execute(users.update().where(users.c.id == user_id).values(**values))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('alias_code')
