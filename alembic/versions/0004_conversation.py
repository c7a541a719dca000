"""conversation: inbox state on replies, inbound receipts, on-call pages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_receipt",
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answer_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
        ),
        sa.PrimaryKeyConstraint("sid"),
    )
    with op.batch_alter_table("inbound_receipt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_receipt_phone_received", ["phone", "received_at"], unique=False
        )

    op.create_table(
        "on_call_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_message_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["reply_message_id"],
            ["message.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("on_call_page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_on_call_page_paged_at"), ["paged_at"], unique=False)

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reschedule_request", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handled_by_key_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("handled_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("handled_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            "fk_message_handled_by_key_id_api_key", "api_key", ["handled_by_key_id"], ["id"]
        )
        batch_op.create_index(
            "ix_message_unhandled_reply",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text("direction = 'inbound' AND handled_at IS NULL"),
            sqlite_where=sa.text("direction = 'inbound' AND handled_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_message_unhandled_reply",
            postgresql_where=sa.text("direction = 'inbound' AND handled_at IS NULL"),
            sqlite_where=sa.text("direction = 'inbound' AND handled_at IS NULL"),
        )
        batch_op.drop_constraint("fk_message_handled_by_key_id_api_key", type_="foreignkey")
        batch_op.drop_column("handled_note")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("handled_by_key_id")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("reschedule_request")

    with op.batch_alter_table("on_call_page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_on_call_page_paged_at"))
    op.drop_table("on_call_page")
    with op.batch_alter_table("inbound_receipt", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_receipt_phone_received")
    op.drop_table("inbound_receipt")
