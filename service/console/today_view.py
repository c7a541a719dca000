"""What the Today page shows, read in a handful of indexed queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.messaging.models import Direction, Message
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.timeline.local_time import local_date, local_instant

LIST_LIMIT = 100
# Urgent replies older than this have been seen by the clinic in its daily routine.
URGENT_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Row:
    """One line of a Today table: what happened, to whom, when (in the patient's zone)."""

    at: datetime
    patient: Patient
    procedure_id: int | None
    label: str
    detail: str | None = None


@dataclass(frozen=True)
class Today:
    day: date
    procedures_today: list[Row]
    procedures_tomorrow: list[Row]
    texts_due: list[Row]
    failed_texts: list[Row]
    urgent_replies: list[Row]


def step_label(step: str) -> str:
    """'two_week_followup' -> 'Two week followup' (steps joined by commas when merged)."""
    return ", ".join(s.replace("_", " ").strip().capitalize() for s in step.split(",") if s)


def _procedures(session: Session, start: datetime, end: datetime) -> list[Row]:
    rows = session.exec(
        select(Procedure, Patient)
        .join(Patient, col(Patient.id) == Procedure.patient_id)
        .where(
            Procedure.status == ProcedureStatus.scheduled,
            col(Procedure.scheduled_at) >= start,
            col(Procedure.scheduled_at) < end,
        )
        .order_by(col(Procedure.scheduled_at))
        .limit(LIST_LIMIT)
    )
    return [Row(p.scheduled_at, patient, p.id, "MILD procedure") for p, patient in rows]


def read_today(session: Session, now: datetime, clinic_zone: ZoneInfo) -> Today:
    """The clinic's day as of `now`: days are the clinic's, times the patient's."""
    today = local_date(now, clinic_zone)
    midnight = local_instant(today, datetime.min.time(), clinic_zone)
    tomorrow = local_instant(today + timedelta(days=1), datetime.min.time(), clinic_zone)
    after = local_instant(today + timedelta(days=2), datetime.min.time(), clinic_zone)

    due = session.exec(
        select(Reminder, Patient)
        .join(Patient, col(Patient.id) == Reminder.patient_id)
        .where(
            Reminder.status == ReminderStatus.pending,
            col(Reminder.due_at) >= now - timedelta(hours=1),
            col(Reminder.due_at) < now + timedelta(hours=24),
        )
        .order_by(col(Reminder.due_at))
        .limit(LIST_LIMIT)
    )
    failed = session.exec(
        select(Reminder, Patient)
        .join(Patient, col(Patient.id) == Reminder.patient_id)
        .where(Reminder.status == ReminderStatus.failed)
        .order_by(col(Reminder.updated_at).desc())
        .limit(LIST_LIMIT)
    )
    urgent = session.exec(
        select(Message, Patient)
        .join(Patient, col(Patient.id) == Message.patient_id)
        .where(
            Message.direction == Direction.inbound,
            col(Message.urgent).is_(True),
            col(Message.created_at) >= now - URGENT_LOOKBACK,
        )
        .order_by(col(Message.created_at).desc())
        .limit(LIST_LIMIT)
    )
    return Today(
        day=today,
        procedures_today=_procedures(session, midnight, tomorrow),
        procedures_tomorrow=_procedures(session, tomorrow, after),
        texts_due=[Row(r.due_at, p, r.procedure_id, step_label(r.step)) for r, p in due],
        failed_texts=[
            Row(r.updated_at, p, r.procedure_id, step_label(r.step), r.status_reason)
            for r, p in failed
        ],
        # The words stay on the patient's page (audited read); Today only says who.
        urgent_replies=[Row(m.created_at, p, m.procedure_id, "Urgent reply") for m, p in urgent],
    )
