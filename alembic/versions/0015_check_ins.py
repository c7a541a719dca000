"""recovery check-ins: the answers, and why an answer called a person

`check_in_answer` keeps one row per question per time point once the patient replied
(the question itself is a reminder). `message.urgent_reason` says why an urgent reply
needs a person when its words alone do not ("pain 9/10 on day 3; baseline 5").

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-05 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op


revision: str = '0015'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'check_in_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('day', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('low', sa.Float(), nullable=True),
        sa.Column('high', sa.Float(), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reply_message_id', sa.Integer(), nullable=True),
        sa.Column('asked_again_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            'escalation_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id']),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id']),
        sa.ForeignKeyConstraint(['reply_message_id'], ['message.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('procedure_id', 'question', 'day'),
    )
    op.create_index(
        op.f('ix_check_in_answer_procedure_id'), 'check_in_answer', ['procedure_id']
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'urgent_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('urgent_reason')
    op.drop_index(op.f('ix_check_in_answer_procedure_id'), table_name='check_in_answer')
    op.drop_table('check_in_answer')
