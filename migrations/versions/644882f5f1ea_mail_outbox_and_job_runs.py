"""The site's own clock (issue 12, item 8): the mail outbox and the periodic jobs' last runs

Revision ID: 644882f5f1ea
Revises: ba9e337dd207
Create Date: 2026-12-02 14:48:43.111771

mail_outbox: emails written in the transaction of their cause, sent by the worker with retries.
job_runs: when each periodic job last started and how it ended (the schedule survives restarts).
Mail queued in memory by a running server before the upgrade is not carried over (there was no
table); downgrading drops unsent emails with the table.
"""
import sqlalchemy as sa
from alembic import op

import hplearn.timeutil

# revision identifiers, used by Alembic.
revision = '644882f5f1ea'
down_revision = 'ba9e337dd207'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('started_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('result', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', hplearn.timeutil.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    op.create_index('ix_mail_outbox_next_attempt_at', 'mail_outbox', ['next_attempt_at'])


def downgrade():
    op.drop_index('ix_mail_outbox_next_attempt_at', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    op.drop_table('job_runs')
