"""The chunk's locking reads (prepare.py): its procedures, then the due reminders this
worker may send, built once per dialect with the chunk's ids, the worker and `now` as
parameters, so no statement is rebuilt (and re-keyed for SQLAlchemy's cache) per chunk."""

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, exists, or_
from sqlalchemy import select as select_rows
from sqlmodel import col

from service.db import UTCDateTime
from service.messaging.models import Message, MessageStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus

from .claim import id_array, integer_array

DUE_COLUMNS = (
    col(Reminder.id),
    col(Reminder.procedure_id),
    col(Reminder.step),
    col(Reminder.due_at),
    col(Reminder.useful_until),
    col(Reminder.attempts),
    col(Reminder.next_attempt_at),
    col(Reminder.claimed_by),
    col(Reminder.message_id),
)


def _no_open_attempt() -> Any:
    # A reminder whose text is with the provider (or whose worker died mid-send) is not
    # prepared again: its attempt is settled by the send, a receipt or a take-over.
    # Never tried (no message_id) is said first: most reminders are, and then the planner
    # cannot turn the check into an anti-join that scans `message` once per reminder
    # (which it did while its statistics said `message` was empty).
    return or_(
        col(Reminder.message_id).is_(None),
        ~exists().where(
            col(Message.id) == col(Reminder.message_id),
            col(Message.status) == MessageStatus.sending,
        ),
    )


@dataclass(frozen=True)
class LockStatements:
    dialect: str
    procedures: Any
    mine: Any
    siblings: Any

    def ids(self, procedure_ids: list[int]) -> Any:
        """The `ids` parameter's value for this dialect."""
        return id_array(procedure_ids) if self.dialect == "postgresql" else procedure_ids


@functools.cache
def lock_statements(dialect: str) -> LockStatements:
    """The chunk's three locking reads, built once per dialect (not per chunk), with the
    chunk's procedure ids, the worker and `now` as parameters."""
    # On PostgreSQL the ids travel as one string (`id_array`), on SQLite as an IN list.
    ids = (
        integer_array(bindparam("ids", type_=String()))
        if dialect == "postgresql"
        else bindparam("ids", expanding=True)
    )

    def among_ids(column: Any) -> Any:
        return column == any_(ids) if dialect == "postgresql" else column.in_(ids)

    now = bindparam("now", type_=UTCDateTime())
    # Procedures first, in id order: a reschedule or cancel holds its procedure's lock
    # while it re-plans, so this waits for it (then finds its claims released) or it
    # waits for this short transaction. Id order keeps two workers from deadlocking.
    procedures = (
        select_rows(col(Procedure.id), col(Procedure.patient_id), col(Procedure.scheduled_at))
        .where(among_ids(col(Procedure.id)))
        .order_by(col(Procedure.id))
        .with_for_update()
    )
    pending = and_(
        among_ids(col(Reminder.procedure_id)),
        col(Reminder.status) == ReminderStatus.pending,
        _no_open_attempt(),
    )
    # Our own claims: wait for them. (SKIP LOCKED could miss one that another worker's
    # claim query holds for an instant while it rechecks it, stranding it until the
    # lease ends.)
    mine = (
        select_rows(*DUE_COLUMNS)
        .where(pending, col(Reminder.claimed_by) == bindparam("worker"))
        .order_by(col(Reminder.id))
        .with_for_update()
    )
    # Unclaimed siblings due now join the same text, if nobody else holds them.
    siblings = (
        select_rows(*DUE_COLUMNS)
        .where(
            pending,
            col(Reminder.next_attempt_at) <= now,
            or_(col(Reminder.claimed_until).is_(None), col(Reminder.claimed_until) < now),
        )
        .with_for_update(skip_locked=True)
    )
    return LockStatements(dialect, procedures, mine, siblings)
