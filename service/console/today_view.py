"""What the Today page shows, read in a handful of indexed queries."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col

from service.console.formatting import step_label
from service.conversation.inbox import urgent_waiting
from service.patients.models import Patient
from service.procedures.lists import FailedText, ProcedureRow, procedures_between
from service.procedures.lists import failed_texts as failed_texts_of
from service.procedures.lists import texts_due as due_texts
from service.procedures.models import ProcedureStatus
from service.timeline.local_time import local_date, local_instant

# The Today page reads small slices of large tables; the partial indexes that hold only
# those rows live with their tables (ix_reminder_failed_updated, ix_message_urgent_reply).

LIST_LIMIT = 100


@dataclass(frozen=True)
class PatientRef:
    """Enough of a patient to name and link them, and to write their local times."""

    id: int
    given_name: str
    family_name: str
    timezone: str


@dataclass(frozen=True)
class Row:
    """One line of a Today table: what happened, to whom, when (in the patient's zone)."""

    at: datetime
    # None for an urgent reply from a number no patient has (the inbox shows the number).
    patient: PatientRef | None
    procedure_id: int | None
    label: str
    detail: str | None = None
    # An urgent reply: the number it came from (to call) and the inbox item.
    phone: str | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class Today:
    day: date
    procedures_today: list[Row]
    procedures_tomorrow: list[Row]
    texts_due: list[Row]
    failed_texts: list[Row]
    urgent_replies: list[Row]

    def patients_shown(self) -> list[int | None]:
        """The patient of every line, for the read's audit."""
        rows = [
            *self.procedures_today,
            *self.procedures_tomorrow,
            *self.texts_due,
            *self.failed_texts,
            *self.urgent_replies,
        ]
        return [r.patient.id if r.patient else None for r in rows]


# Columns, not whole rows: the page shows a few fields of a few hundred rows.
_PATIENT = (
    col(Patient.id),
    col(Patient.given_name),
    col(Patient.family_name),
    col(Patient.timezone),
)


def _rows(session: Session, query: Any, label: str | None = None) -> list[Row]:
    """Rows from a query selecting (at, procedure_id, label or step, detail, *patient)."""
    out = []
    for at, procedure_id, what, detail, *patient in session.execute(query):
        text_label = label or step_label(what)
        ref = PatientRef(*patient) if patient[0] is not None else None
        out.append(Row(at, ref, procedure_id, text_label, detail))
    return out


def _ref(row: ProcedureRow | FailedText) -> PatientRef:
    return PatientRef(row.patient_id, row.given_name, row.family_name, row.timezone)


def read_today(session: Session, now: datetime, clinic_zone: ZoneInfo) -> Today:
    """The clinic's day as of `now`: days are the clinic's, times the patient's."""
    today = local_date(now, clinic_zone)
    midnight = local_instant(today, datetime.min.time(), clinic_zone)
    tomorrow = local_instant(today + timedelta(days=1), datetime.min.time(), clinic_zone)
    after = local_instant(today + timedelta(days=2), datetime.min.time(), clinic_zone)

    procedures = [
        Row(p.scheduled_at, _ref(p), p.id, "MILD procedure")
        for p in procedures_between(
            session, midnight, after, ProcedureStatus.scheduled, limit=2 * LIST_LIMIT
        ).items
    ]
    # The same "texts due" as the API's GET /v1/reminders/due (procedures/lists.py).
    texts_due = [
        Row(
            r.next_attempt_at or r.due_at,
            PatientRef(r.patient_id, r.given_name, r.family_name, r.timezone),
            r.procedure_id,
            step_label(r.step),
        )
        for r in due_texts(session, now, limit=LIST_LIMIT).items
    ]
    failed_texts = [
        Row(r.updated_at, _ref(r), r.procedure_id, step_label(r.step), r.status_reason)
        for r in failed_texts_of(session, limit=LIST_LIMIT)
    ]
    # The words stay on the patient's page (an audited read); Today only says who, and
    # the number to call. The inbox's own rows: a handled reply leaves both at once.
    urgent_replies = [
        Row(
            message.created_at,
            PatientRef(patient.id, patient.given_name, patient.family_name, patient.timezone)
            if patient is not None and patient.id is not None
            else None,
            message.procedure_id,
            "Urgent reply",
            phone=message.phone,
            message_id=message.id,
        )
        for message, patient in urgent_waiting(session, LIST_LIMIT)
    ]
    return Today(
        day=today,
        procedures_today=[r for r in procedures if r.at < tomorrow][:LIST_LIMIT],
        procedures_tomorrow=[r for r in procedures if r.at >= tomorrow][:LIST_LIMIT],
        texts_due=texts_due,
        failed_texts=failed_texts,
        urgent_replies=urgent_replies,
    )
