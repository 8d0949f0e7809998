"""Teachers are told (issue 12, item 2): mail opt-in, notification topics, queue digests

Revision ID: b3e9f2c7a418
Revises: a7c4e2b9d1f3
Create Date: 2026-12-02 19:20:00

notification_emails.enabled: mail is opt-in (off by default); the addresses saved before this
revision were given to receive mail, so they keep it. notifications.topic: what a note is about,
so a teacher is told once per question. qa_queue_digests: the evening digests sent (one per
teacher per service evening).
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = 'b3e9f2c7a418'
down_revision = 'a7c4e2b9d1f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_emails') as batch:
        batch.add_column(sa.Column('enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(sa.text("UPDATE notification_emails SET enabled = :yes").bindparams(yes=True))
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('topic', sa.String(length=64), server_default='', nullable=False))
        batch.create_index('ix_notifications_topic', ['user_id', 'topic'], unique=False)
    op.create_table(
        'qa_queue_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('evening', sa.Date(), nullable=False),
        sa.Column('questions', sa.Integer(), nullable=False),
        sa.Column('last_notification_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_qa_queue_digests_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_queue_digests')),
        sa.UniqueConstraint('user_id', 'evening', name=op.f('uq_qa_queue_digests_user_id_evening')),
    )


def downgrade():
    op.drop_table('qa_queue_digests')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_index('ix_notifications_topic')
        batch.drop_column('topic')
    with op.batch_alter_table('notification_emails') as batch:
        batch.drop_column('enabled')
