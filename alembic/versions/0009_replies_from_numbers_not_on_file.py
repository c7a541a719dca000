"""replies from numbers not on file, and pictures: message.patient_id nullable, media_count

A text from a number no patient has (a new phone, a family member, a caregiver) is kept
like any other reply, with no patient (patient_id NULL) and the number it came from.
`media_count` is how many pictures or files an MMS carried, so a picture with no words
still reaches the inbox as "sent a picture".

Revision ID: 0009
Revises: 0011
Create Date: 2026-11-22 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0009'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column('media_count', sa.Integer(), nullable=False, server_default=sa.text('0'))
        )


def downgrade() -> None:
    # Going back would have to delete patients' words: refuse while any such reply exists.
    kept = op.get_bind().execute(
        sa.text('SELECT count(*) FROM message WHERE patient_id IS NULL')
    ).scalar()
    if kept:
        raise RuntimeError(
            f'{kept} replies from numbers not on file would be lost: file them under a'
            ' patient or export them before downgrading below 0009'
        )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('media_count')
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=False)
