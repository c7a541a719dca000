"""check-in questions as data an admin manages

`check_in_question` lists the questions the check-ins ask, in order: the two defaults
seeded here exactly as they were in code (`pain`, the 0-10 numeric scale; `walking`, our
own minutes question), and any a clinic adds. The wording stays in the templates
`question_<key>` and `question_<key>_again`.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-05 15:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op


revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_AT = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def upgrade() -> None:
    table = op.create_table(
        "check_in_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=25), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    seeded = {"is_active": True, "version": 1, "created_at": SEEDED_AT, "updated_at": SEEDED_AT}
    op.bulk_insert(
        table,
        [
            {
                "key": "pain",
                "kind": "scale",
                "scale_min": 0,
                "scale_max": 10,
                "position": 1,
                "source": "The 0-10 numeric pain rating scale (free to use); our own wording",
                **seeded,
            },
            {
                "key": "walking",
                "kind": "minutes",
                "scale_min": None,
                "scale_max": None,
                "position": 2,
                "source": "Our own walking question and wording",
                **seeded,
            },
        ],
    )


def downgrade() -> None:
    op.drop_table("check_in_question")
