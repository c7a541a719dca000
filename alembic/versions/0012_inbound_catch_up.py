"""inbound catch-up: texts Twilio has that our webhook missed (an outage)

`inbound_catch_up` keeps, per clinic number, how far back Twilio's message log has been
read, so every worker resumes from the database. `message.recovered_at` marks a reply
taken in by the catch-up rather than the webhook, so staff see it arrived late.

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-22 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op


revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'inbound_catch_up',
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('read_through', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('number'),
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_message_recovered',
        'message',
        ['recovered_at'],
        postgresql_where=sa.text('recovered_at IS NOT NULL'),
        sqlite_where=sa.text('recovered_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_message_recovered', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('recovered_at')
    op.drop_table('inbound_catch_up')
