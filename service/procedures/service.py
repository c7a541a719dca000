"""Scheduling a procedure: its time checked, its timeline planned and stored, audited.

The planner decides the timeline and `reconcile` stores it, in the caller's transaction,
so a booking is all-or-nothing. Moving, cancelling and no-shows are in `changes.py`.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.audit.models import AuditEntry
from service.audit.reads import Read, Reader, record_read
from service.audit.service import Actor, audit_entry_row
from service.errors import Conflict, InvalidInput, NotFound
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures.consent_request import consent_request
from service.procedures.models import Procedure
from service.procedures.new_reminders import InsertedReminder, insert_new
from service.timeline.local_time import local_instant
from service.timeline.plan import TimelinePlan
from service.timeline.planner import (
    LATE_AT_ENROLLMENT,
    PlannedReminder,
    plan_reminders,
)
from service.writes import add_now, insert_row


def resolve_scheduled_at(
    value: datetime, zone: ZoneInfo, now: datetime, *, field: str = "scheduled_at"
) -> datetime:
    """A naive time is the patient's wall time; an aware one is that instant."""
    instant = local_instant(value.date(), value.time(), zone) if value.tzinfo is None else value
    # Calendar years, as the words say (365-day steps lost a day across a 29 February).
    if instant < _years_after(now, -1) or instant > _years_after(now, 2):
        raise InvalidInput("must be within a year before and two years after today", field=field)
    return instant


def _years_after(now: datetime, years: int) -> datetime:
    """The same date and time `years` later (or earlier); 29 February becomes the 28th."""
    try:
        return now.replace(year=now.year + years)
    except ValueError:
        return now.replace(year=now.year + years, day=28)


def get_procedure(session: Session, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"no procedure with id {procedure_id}", field="procedure_id")
    return procedure


def load_procedure(session: Session, procedure_id: int) -> tuple[Procedure, Patient]:
    """A procedure with the patient it belongs to."""
    procedure = get_procedure(session, procedure_id)
    return procedure, get_patient(session, procedure.patient_id)


def read_procedure(
    session: Session, reader: Reader, procedure_id: int, now: datetime, *, printed: bool = False
) -> tuple[Procedure, Patient]:
    """A procedure and its patient, the look recorded the same from every adapter
    (`procedure`; a printout leaves the service: `export`)."""
    procedure, patient = load_procedure(session, procedure_id)
    record_read(
        session,
        reader,
        Read.export if printed else Read.procedure,
        at=now,
        entity_id=procedure_id,
        patient_id=patient.id,
    )
    return procedure, patient


def schedule_procedure(
    session: Session,
    patient: Patient,
    scheduled_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Procedure:
    """Book a procedure and plan its texts."""
    return book_procedure(session, patient, scheduled_at, plan, actor, now)[0]


def book_procedure(
    session: Session,
    patient: Patient,
    scheduled_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> tuple[Procedure, list[InsertedReminder]]:
    """Book a procedure and plan its texts; its reminders as inserted (with their ids),
    so the answer can be worded without reading them back."""
    procedure = new_procedure(patient, scheduled_at, plan, now)
    add_now(session, procedure)
    # A patient a feed enrolled and not yet asked: the question goes in the same insert.
    asking = consent_request(session, procedure, patient, plan, now)
    # A brand-new procedure has no reminders and no visits yet, so reconciling would
    # insert every planned reminder: do that directly, in one executemany.
    planned = first_plan(procedure, patient, plan, now, asking)
    reminders = insert_new(session, procedure, planned, now)
    insert_row(session, AuditEntry, booking_audit(actor, procedure, now))
    return procedure, reminders


def new_procedure(
    patient: Patient, scheduled_at: datetime, plan: TimelinePlan, now: datetime
) -> Procedure:
    """The procedure to book for `patient`, checked, not yet added to a session."""
    assert patient.id is not None
    if patient.merged_into_id is not None:
        raise Conflict(
            f"patient {patient.id} was merged into patient {patient.merged_into_id}; "
            "book on that record",
            field="patient_id",
        )
    return Procedure(
        patient_id=patient.id,
        scheduled_at=resolve_scheduled_at(scheduled_at, ZoneInfo(patient.timezone), now),
        plan_version=plan.version,
        created_at=now,
        updated_at=now,
    )


def first_plan(
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    now: datetime,
    asking: PlannedReminder | None,
) -> list[PlannedReminder]:
    """A new procedure's reminders: every step planned, late ones skipped with the
    reason, and the consent request (`asking`) when the patient is to be asked."""
    zone = ZoneInfo(patient.timezone)
    planned = plan_reminders(
        plan, procedure.scheduled_at, zone, now, late_reason=LATE_AT_ENROLLMENT
    )
    return [*planned, asking] if asking else planned


def booking_audit(actor: Actor, procedure: Procedure, now: datetime) -> dict[str, object]:
    """The audit entry's columns for a booking."""
    return audit_entry_row(
        actor,
        "create",
        "procedure",
        procedure.id,
        procedure.patient_id,
        at=now,
        after={"scheduled_at": procedure.scheduled_at, "status": procedure.status},
    )
