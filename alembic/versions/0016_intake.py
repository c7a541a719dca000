"""intake: the HL7 feed's message log, external appointment ids, consent from a feed

`intake_message` logs every message a feed sent and our answer (no PHI); its
`applied_key` (sender and control id) is unique so a re-sent message is applied once.
`external_appointment` ties a feed's appointment id to our procedure or visit.
`patient.consent_source` names the feed that attested consent (INTAKE_SMS_CONSENT=on_file);
`patient.awaiting_yes_since` marks a patient asked by text and not yet answered YES.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-05 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op


revision: str = '0016'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'intake_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transport', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('control_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('message_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('error_location', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('procedure_id', sa.Integer(), nullable=True),
        sa.Column('applied_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('applied_key'),
    )
    op.create_index('ix_intake_message_received', 'intake_message', ['received_at'])
    op.create_index(
        'ix_intake_message_result_received', 'intake_message', ['result', 'received_at']
    )
    op.create_index(
        op.f('ix_intake_message_patient_id'), 'intake_message', ['patient_id'], unique=False
    )
    op.create_table(
        'external_appointment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id']),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'external_id', name='uq_external_appointment'),
    )
    op.create_index(
        op.f('ix_external_appointment_procedure_id'),
        'external_appointment',
        ['procedure_id'],
        unique=False,
    )
    # Plain ADD COLUMN, not a batch copy: SQLite's copy would lose the patient table's
    # expression indexes (lower(name) for search).
    op.add_column(
        'patient',
        sa.Column('consent_source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    op.add_column('patient', sa.Column('awaiting_yes_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL both drop a column in place.
    op.execute('ALTER TABLE patient DROP COLUMN awaiting_yes_since')
    op.execute('ALTER TABLE patient DROP COLUMN consent_source')
    op.drop_index(op.f('ix_external_appointment_procedure_id'), table_name='external_appointment')
    op.drop_table('external_appointment')
    op.drop_index(op.f('ix_intake_message_patient_id'), table_name='intake_message')
    op.drop_index('ix_intake_message_result_received', table_name='intake_message')
    op.drop_index('ix_intake_message_received', table_name='intake_message')
    op.drop_table('intake_message')
