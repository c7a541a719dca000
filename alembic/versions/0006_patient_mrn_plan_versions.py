"""patient MRN and name search, procedure plan version, plan version history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 03:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mrn', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.create_unique_constraint('uq_patient_mrn', ['mrn'])
    # Expression indexes for "name starts with": text_pattern_ops on PostgreSQL so a
    # prefix LIKE uses them under any collation; a plain expression index on SQLite.
    for column in ('family_name', 'given_name'):
        _name_index(column)

    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('plan_version', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.create_index(batch_op.f('ix_procedure_scheduled_at'), ['scheduled_at'], unique=False)
    # Procedures booked before versions were tracked were planned with the plan in force.
    op.execute(
        "UPDATE procedure SET plan_version = COALESCE("
        "(SELECT MAX(version) FROM timeline_plan WHERE is_active), 0)"
    )

    # Staff's lists by time (Today): partial indexes of the few rows they read.
    for name, table, column, where in _LIST_INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )

    with op.batch_alter_table('timeline_plan', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'created_by_name',
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default='',
            )
        )
        batch_op.add_column(sa.Column('restored_from_version', sa.Integer(), nullable=True))


_LIST_INDEXES = (
    ('ix_reminder_pending_due', 'reminder', 'due_at', "status = 'pending'"),
    ('ix_reminder_failed_updated', 'reminder', 'updated_at', "status = 'failed'"),
    ('ix_message_urgent_reply', 'message', 'created_at', "direction = 'inbound' AND urgent IS true"),
)


def _name_index(column: str) -> None:
    bind = op.get_bind()
    ops = ' text_pattern_ops' if bind.dialect.name == 'postgresql' else ''
    op.execute(f'CREATE INDEX ix_patient_{column}_lower ON patient (lower({column}){ops})')


def downgrade() -> None:
    with op.batch_alter_table('timeline_plan', schema=None) as batch_op:
        batch_op.drop_column('restored_from_version')
        batch_op.drop_column('created_by_name')
    for name, table, _, _ in _LIST_INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_scheduled_at'))
        batch_op.drop_column('plan_version')
    op.drop_index('ix_patient_given_name_lower', table_name='patient')
    op.drop_index('ix_patient_family_name_lower', table_name='patient')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_constraint('uq_patient_mrn', type_='unique')
        batch_op.drop_column('mrn')
