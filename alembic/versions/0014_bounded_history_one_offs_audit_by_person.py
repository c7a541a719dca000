"""bounded history queries and the one-off texts' take-over

`ix_reminder_status_due` (status, due_at): `/v1/reminders?status=sent` and other history
lists read one status in a period instead of scanning every reminder ever planned.
`ix_message_one_off_sending`: the worker's look for staff texts left `sending` by a
process that stopped mid-send reads a handful of rows, not every text.
`ix_audit_entry_user_at`, `ix_audit_entry_key_at`: the audit filtered by person.

Revision ID: 0014
Revises: 0015
Create Date: 2026-12-05 12:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0014'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OFF_SENDING = "status = 'sending' AND steps = 'staff_message'"


def upgrade() -> None:
    op.create_index('ix_reminder_status_due', 'reminder', ['status', 'due_at'])
    op.create_index(
        'ix_message_one_off_sending',
        'message',
        ['created_at'],
        postgresql_where=sa.text(ONE_OFF_SENDING),
        sqlite_where=sa.text(ONE_OFF_SENDING),
    )
    op.create_index('ix_audit_entry_user_at', 'audit_entry', ['actor_user_id', 'at'])
    op.create_index('ix_audit_entry_key_at', 'audit_entry', ['actor_key_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_audit_entry_key_at', table_name='audit_entry')
    op.drop_index('ix_audit_entry_user_at', table_name='audit_entry')
    op.drop_index('ix_message_one_off_sending', table_name='message')
    op.drop_index('ix_reminder_status_due', table_name='reminder')
