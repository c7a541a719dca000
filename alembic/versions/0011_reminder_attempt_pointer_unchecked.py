"""reminder.message_id: an index without a foreign-key check

The worker points each reminder at its attempt (message) in the statement that inserts
the message, with the id the insert returned, and messages are never deleted. The
foreign key only added a locking read of `message` per text on the hot path, planned
once while the table was small (a sequential scan that then grew with the table).

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-22 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's foreign keys are unnamed; batch mode names them by this convention.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('reminder_message_id_fkey', 'reminder', type_='foreignkey')
        return
    with op.batch_alter_table('reminder', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint('fk_reminder_message_id_message', type_='foreignkey')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            'reminder_message_id_fkey', 'reminder', 'message', ['message_id'], ['id']
        )
        return
    with op.batch_alter_table('reminder', naming_convention=NAMING) as batch_op:
        batch_op.create_foreign_key(
            'fk_reminder_message_id_message', 'message', ['message_id'], ['id']
        )
