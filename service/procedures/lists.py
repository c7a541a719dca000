"""The lists staff scan: a patient's procedures, the day's procedures, texts by due time.

Plain-column reads (no ORM objects) with the patient's name and zone joined in, so a
page of the console or the API is one query plus a count, whatever the table sizes:
procedures are found through `ix_procedure_scheduled_at` or `patient_id`, reminders
through the pending index or their status.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlmodel import Session, col

from service.patients.models import Patient
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.timeline.plan import OPT_OUT_STEP


@dataclass(frozen=True)
class ProcedureRow:
    id: int
    patient_id: int
    given_name: str
    family_name: str
    timezone: str
    status: str
    scheduled_at: datetime
    plan_version: int


@dataclass(frozen=True)
class ReminderRow:
    id: int
    procedure_id: int
    patient_id: int
    given_name: str
    family_name: str
    timezone: str
    step: str
    occurrence: int
    due_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    message_id: int | None
    updated_at: datetime
    # When it goes out: the due time, or the next try after a passing fault (pending only).
    next_attempt_at: datetime | None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None


_PROCEDURE_COLUMNS = (
    col(Procedure.id),
    col(Procedure.patient_id),
    col(Patient.given_name),
    col(Patient.family_name),
    col(Patient.timezone),
    col(Procedure.status),
    col(Procedure.scheduled_at),
    col(Procedure.plan_version),
)


def procedures_of_patient(
    session: Session, patient_id: int, *, limit: int = 100, offset: int = 0
) -> list[ProcedureRow]:
    """The patient's procedures, the latest first, a page at a time."""
    query = (
        select(*_PROCEDURE_COLUMNS)
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(col(Procedure.patient_id) == patient_id)
        .order_by(col(Procedure.scheduled_at).desc(), col(Procedure.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return [ProcedureRow(*row) for row in session.execute(query)]


def procedures_between(
    session: Session,
    starts_from: datetime | None,
    starts_before: datetime | None,
    status: str | None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> Page[ProcedureRow]:
    """Procedures starting in [from, to), earliest first, with their patients' names."""
    condition = and_(
        true(),
        *([col(Procedure.scheduled_at) >= starts_from] if starts_from else []),
        *([col(Procedure.scheduled_at) < starts_before] if starts_before else []),
        *([col(Procedure.status) == status] if status else []),
    )
    query = (
        select(*_PROCEDURE_COLUMNS)
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(condition)
        .order_by(col(Procedure.scheduled_at), col(Procedure.id))
    )
    return _page(session, query, condition, Procedure, ProcedureRow, limit, offset)


def reminders_by_due_time(
    session: Session,
    status: str | None,
    due_from: datetime | None,
    due_to: datetime | None,
    *,
    changed_since: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Page[ReminderRow]:
    """Reminders due in [due_from, due_to) in one status (all when None), by due time."""
    condition = and_(
        true(),
        *([col(Reminder.status) == status] if status else []),
        *([col(Reminder.due_at) >= due_from] if due_from else []),
        *([col(Reminder.due_at) < due_to] if due_to else []),
        *([col(Reminder.updated_at) >= changed_since] if changed_since else []),
    )
    query = _reminder_rows(condition).order_by(col(Reminder.due_at), col(Reminder.id))
    return _page(session, query, condition, Reminder, ReminderRow, limit, offset)


# "Texts due", one meaning for Today and the API (`GET /v1/reminders/due`): pending
# reminders that go out (their due time, or the next try after a passing fault) before
# a moment, without the opt-out line (it rides on the first text, not a text of its own),
# soonest first. Read through the dispatcher's partial index on pending next_attempt_at.
TEXTS_DUE_HOURS = 24


def texts_due(
    session: Session,
    now: datetime,
    *,
    hours: int = TEXTS_DUE_HOURS,
    limit: int = 100,
    offset: int = 0,
) -> Page[ReminderRow]:
    """The texts due to go out within `hours` of `now`, soonest first."""
    condition = and_(
        col(Reminder.status) == ReminderStatus.pending,
        col(Reminder.next_attempt_at) < now + timedelta(hours=hours),
        col(Reminder.step) != OPT_OUT_STEP,
    )
    query = _reminder_rows(condition).order_by(col(Reminder.next_attempt_at), col(Reminder.id))
    return _page(session, query, condition, Reminder, ReminderRow, limit, offset)


def _reminder_rows(condition: ColumnElement[bool]) -> Select:
    """The columns of a `ReminderRow` (the reminder and its patient's name and zone)."""
    return (
        select(
            col(Reminder.id),
            col(Reminder.procedure_id),
            col(Reminder.patient_id),
            col(Patient.given_name),
            col(Patient.family_name),
            col(Patient.timezone),
            col(Reminder.step),
            col(Reminder.occurrence),
            col(Reminder.due_at),
            col(Reminder.status),
            col(Reminder.status_reason),
            col(Reminder.attempts),
            col(Reminder.message_id),
            col(Reminder.updated_at),
            col(Reminder.next_attempt_at),
        )
        .join(Patient, col(Patient.id) == col(Reminder.patient_id))
        .where(condition)
    )


def _page(
    session: Session,
    query: Any,
    condition: ColumnElement[bool],
    table: Any,
    row_type: Any,
    limit: int,
    offset: int,
) -> Page[Any]:
    total = session.execute(select(func.count()).select_from(table).where(condition)).scalar_one()
    rows = session.execute(query.limit(limit).offset(offset))
    return Page([row_type(*row) for row in rows], int(total), offset)


@dataclass(frozen=True)
class FailedText:
    procedure_id: int
    patient_id: int
    given_name: str
    family_name: str
    timezone: str
    step: str
    status_reason: str | None
    updated_at: datetime


def failed_texts(session: Session, *, limit: int = 100) -> list[FailedText]:
    """Reminders that failed for good, the latest failure first (`ix_reminder_failed_updated`)."""
    query = (
        select(
            col(Reminder.procedure_id),
            col(Reminder.patient_id),
            col(Patient.given_name),
            col(Patient.family_name),
            col(Patient.timezone),
            col(Reminder.step),
            col(Reminder.status_reason),
            col(Reminder.updated_at),
        )
        .join(Patient, col(Patient.id) == col(Reminder.patient_id))
        .where(col(Reminder.status) == ReminderStatus.failed)
        .order_by(col(Reminder.updated_at).desc(), col(Reminder.id).desc())
        .limit(limit)
    )
    return [FailedText(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class ProcedureReminder:
    id: int
    step: str
    occurrence: int
    due_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    message_id: int | None


def reminders_in_due_order(session: Session, procedure_id: int) -> list[ProcedureReminder]:
    """The procedure's reminders by due time, just the columns a page shows (no ORM objects)."""
    session.flush()  # a Core select does not autoflush; pending reminders must show
    c = Reminder.__table__.c  # type: ignore[attr-defined]
    query = (
        select(
            c.id,
            c.step,
            c.occurrence,
            c.due_at,
            c.status,
            c.status_reason,
            c.attempts,
            c.message_id,
        )
        .where(c.procedure_id == procedure_id)
        .order_by(c.due_at, c.id)
    )
    return [ProcedureReminder(*row) for row in session.execute(query)]


def waiting_for_yes(
    session: Session, starts_from: datetime, starts_before: datetime, *, limit: int = 100
) -> list[ProcedureRow]:
    """Scheduled procedures in [from, to) whose patient has not yet answered the consent
    text (INTAKE_SMS_CONSENT=ask), earliest first: the front desk's call list."""
    query = (
        select(*_PROCEDURE_COLUMNS)
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(
            col(Patient.awaiting_yes_since).is_not(None),
            col(Procedure.status) == "scheduled",
            col(Procedure.scheduled_at) >= starts_from,
            col(Procedure.scheduled_at) < starts_before,
        )
        .order_by(col(Procedure.scheduled_at), col(Procedure.id))
        .limit(limit)
    )
    return [ProcedureRow(*row) for row in session.execute(query)]
