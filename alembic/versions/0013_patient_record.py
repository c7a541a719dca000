"""the patient record staff can correct and find: version, date of birth, merges, search

`patient.version` refuses a save made on an older copy (two people editing one record);
`birth_date` is optional so existing records stay valid; `merged_into_id`/`merged_at`
keep a merged duplicate as a tombstone. Folded name columns, the reversed phone digits
and `patient_name_token` make search by any part of a name, a phone's last digits or a
date of birth an index lookup; they are filled here for existing patients with the same
folding code the service writes them with. The old lower(name) indexes are replaced.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op
from service.patients.folding import fold, name_tokens, reversed_digits

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_patient_family_name_lower', table_name='patient')
    op.drop_index('ix_patient_given_name_lower', table_name='patient')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        for column in ('given_name_folded', 'family_name_folded'):
            batch_op.add_column(
                sa.Column(
                    column,
                    sqlmodel.sql.sqltypes.AutoString(length=100),
                    nullable=False,
                    server_default='',
                )
            )
        batch_op.add_column(
            sa.Column(
                'phone_reversed',
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default='',
            )
        )
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            'fk_patient_merged_into_id_patient', 'patient', ['merged_into_id'], ['id']
        )
        batch_op.create_index('ix_patient_birth_date', ['birth_date'], unique=False)
        batch_op.create_index(
            'ix_patient_family_folded_birth', ['family_name_folded', 'birth_date'], unique=False
        )
        batch_op.create_index(
            'ix_patient_name_order',
            ['family_name_folded', 'given_name_folded', 'id'],
            unique=False,
        )
    op.create_index(
        'ix_patient_phone_reversed',
        'patient',
        ['phone_reversed'],
        postgresql_ops={'phone_reversed': 'text_pattern_ops'},
    )
    op.create_table(
        'patient_name_token',
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            'family_name_folded', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column(
            'given_name_folded', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('patient_id', 'token'),
    )
    op.create_index(
        'ix_patient_name_token_token',
        'patient_name_token',
        ['token', 'patient_id'],
        postgresql_ops={'token': 'text_pattern_ops'},
        postgresql_include=['family_name_folded', 'given_name_folded'],
    )
    _fill_search_columns()


def _fill_search_columns() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text('SELECT id, given_name, family_name, phone FROM patient')
    ).all()
    update = sa.text(
        'UPDATE patient SET given_name_folded = :given, family_name_folded = :family,'
        ' phone_reversed = :reversed WHERE id = :id'
    )
    insert = sa.text(
        'INSERT INTO patient_name_token (patient_id, token, family_name_folded,'
        ' given_name_folded) VALUES (:id, :token, :family, :given)'
    )
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        connection.execute(
            update,
            [
                {
                    'id': row.id,
                    'given': fold(row.given_name)[:100],
                    'family': fold(row.family_name)[:100],
                    'reversed': reversed_digits(row.phone),
                }
                for row in batch
            ],
        )
        tokens = [
            {
                'id': row.id,
                'token': token,
                'family': fold(row.family_name)[:100],
                'given': fold(row.given_name)[:100],
            }
            for row in batch
            for token in sorted(name_tokens(row.given_name, row.family_name))
        ]
        if tokens:
            connection.execute(insert, tokens)


def downgrade() -> None:
    op.drop_index('ix_patient_name_token_token', table_name='patient_name_token')
    op.drop_table('patient_name_token')
    op.drop_index('ix_patient_phone_reversed', table_name='patient')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_name_order')
        batch_op.drop_index('ix_patient_family_folded_birth')
        batch_op.drop_index('ix_patient_birth_date')
        batch_op.drop_constraint('fk_patient_merged_into_id_patient', type_='foreignkey')
        for column in (
            'merged_at',
            'merged_into_id',
            'phone_reversed',
            'family_name_folded',
            'given_name_folded',
            'version',
            'birth_date',
        ):
            batch_op.drop_column(column)
    bind = op.get_bind()
    ops = ' text_pattern_ops' if bind.dialect.name == 'postgresql' else ''
    for column in ('family_name', 'given_name'):
        op.execute(f'CREATE INDEX ix_patient_{column}_lower ON patient (lower({column}){ops})')
