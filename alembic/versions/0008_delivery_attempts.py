"""delivery attempts: find a text's reminders by its attempt (message)

The message row is the delivery attempt: written as `sending` before the provider is
called. Receipts and take-overs find the reminders an attempt carried by `message_id`.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-22 03:55:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0008'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_reminder_message_id'), 'reminder', ['message_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reminder_message_id'), table_name='reminder')
