from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class ProcedureStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class ReminderStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"
    cancelled = "cancelled"


class Procedure(SQLModel, table=True):
    __tablename__ = "procedure"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(
        sa_column=Column(Integer, ForeignKey("patient.id"), nullable=False, index=True)
    )
    # Indexed: the day's list and `GET /v1/procedures?from=&to=` read by date.
    scheduled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    status: str = Field(default=ProcedureStatus.scheduled, max_length=16)
    # The plan version its reminders were last planned with (0 = the default plan), so
    # "apply to pending" can tell which texts a newer plan changes, wording included.
    plan_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Reminder(SQLModel, table=True):
    """One planned text of the timeline; the database is its only home."""

    __tablename__ = "reminder"
    __table_args__ = (
        # The dispatcher's claim query reads only pending rows by due time; a partial
        # index keeps it cheap however much sent history piles up.
        Index(
            "ix_reminder_pending_next_attempt",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # Staff's lists (Today: texts due in the next 24 hours, failed texts) read a few
        # rows by time; partial indexes hold only those rows, so a text marked sent
        # leaves them and the history never slows them down.
        Index(
            "ix_reminder_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # History lists (`/v1/reminders?status=sent&due_from=…`) read one status in a
        # period: bounded by what they return, however much history piles up.
        Index("ix_reminder_status_due", "status", "due_at"),
        Index(
            "ix_reminder_failed_updated",
            "updated_at",
            postgresql_where=text("status = 'failed'"),
            sqlite_where=text("status = 'failed'"),
        ),
        # A step is planned at most once per procedure among live reminders, so a
        # double reschedule can never produce two copies of one text.
        Index(
            "uq_reminder_live_step",
            "procedure_id",
            "step",
            "occurrence",
            unique=True,
            postgresql_where=text("status IN ('pending', 'sent')"),
            sqlite_where=text("status IN ('pending', 'sent')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    procedure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("procedure.id"), nullable=False, index=True)
    )
    patient_id: int = Field(
        sa_column=Column(Integer, ForeignKey("patient.id"), nullable=False, index=True)
    )
    step: str = Field(max_length=40)
    occurrence: int = 1
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    useful_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default=ReminderStatus.pending, max_length=16)
    status_reason: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    # When the dispatcher may next try it: the due time, or later after a failure.
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The attempt (message) that carried it; indexed for receipts and take-overs. No
    # foreign-key check: the worker writes it from the message insert's own RETURNING
    # and messages are never deleted, while the check cost a locking read per text.
    message_id: int | None = Field(
        default=None, sa_column=Column(Integer, nullable=True, index=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
