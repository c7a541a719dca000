"""Scheduling, rescheduling and cancelling procedures, and the texts a change owes the patient.

The planner decides the timeline and `reconcile` brings the stored reminders in line
with it, in the caller's transaction, so a change is all-or-nothing. Each change is
audited here, naming who made it (an API key or a person in the console).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.audit.reads import Read, Reader, record_read
from service.audit.service import Actor, audit_change, audit_entry_row
from service.errors import Conflict, InvalidInput, NotFound
from service.messaging.models import Message, MessageStatus
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures.consent_request import consent_request
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.procedures.reconcile import (
    InsertedReminder,
    insert_new,
    lock_procedure,
    new_reminder,
    reconcile,
    reminders_of,
    set_status,
)
from service.timeline.local_time import local_instant
from service.timeline.plan import CANCELLATION_STEP, CORRECTION_STEP, TimelinePlan
from service.timeline.planner import (
    LATE_AT_ENROLLMENT,
    PlannedReminder,
    first_sendable_instant,
    plan_reminders,
)

LATE_AFTER_RESCHEDULE = "the procedure was moved and this reminder's time had passed"
LATE_AFTER_PLAN_CHANGE = "the timeline plan changed and this reminder's new time had passed"
PROCEDURE_CANCELLED = "procedure cancelled"
NO_SHOW = "the patient did not come to the procedure (no-show)"

# Steps that say something about the procedure's date, time or fasting: once any
# of them went out, moving or cancelling the procedure owes the patient a text.
_TOLD_THE_DATE = {"prep_week", "fasting", CORRECTION_STEP}

_EARLIEST_ALLOWED = timedelta(days=365)
_LATEST_ALLOWED = timedelta(days=2 * 365)


def resolve_scheduled_at(
    value: datetime, zone: ZoneInfo, now: datetime, *, field: str = "scheduled_at"
) -> datetime:
    """A naive time is the patient's wall time; an aware one is that instant."""
    instant = local_instant(value.date(), value.time(), zone) if value.tzinfo is None else value
    if instant < now - _EARLIEST_ALLOWED or instant > now + _LATEST_ALLOWED:
        raise InvalidInput("must be within a year before and two years after today", field=field)
    return instant


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
    session.add(procedure)
    session.flush()
    # A patient a feed enrolled and not yet asked: the question goes in the same insert.
    asking = consent_request(session, procedure, patient, plan, now)
    # A brand-new procedure has no reminders and no visits yet, so reconciling would
    # insert every planned reminder: do that directly, in one executemany.
    planned = first_plan(procedure, patient, plan, now, asking)
    reminders = insert_new(session, procedure, planned, now)
    session.add(AuditEntry.model_validate(booking_audit(actor, procedure, now)))
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


def reschedule_procedure(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    scheduled_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Procedure:
    """Move a procedure; a patient already told the date is owed a correction text."""
    zone = ZoneInfo(patient.timezone)
    new_start = resolve_scheduled_at(scheduled_at, zone, now)
    lock_procedure(session, procedure)
    if procedure.status == ProcedureStatus.cancelled:
        raise Conflict("a cancelled procedure cannot be rescheduled", field="procedure_id")
    was = procedure.scheduled_at
    if new_start == was:
        return procedure
    procedure.scheduled_at = new_start
    procedure.updated_at = now
    session.add(procedure)
    reminders = reconcile(
        session, procedure, zone, plan, now, LATE_AFTER_RESCHEDULE, again_before=True
    )
    if _patient_was_told_the_date(session, reminders) and new_start > now:
        _queue_notice(
            session, procedure, reminders, CORRECTION_STEP, plan, zone, now, useful_until=new_start
        )
    audit_change(
        session,
        actor,
        "reschedule",
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        field="scheduled_at",
        was=was,
        now_is=new_start,
    )
    return procedure


def cancel_procedure(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Procedure:
    """Cancel a procedure and its pending texts; cancelling twice changes nothing."""
    lock_procedure(session, procedure)
    was = procedure.status
    if was == ProcedureStatus.cancelled:
        return procedure
    reminders = reminders_of(session, procedure.id or 0)
    for reminder in reminders:
        if reminder.status == ReminderStatus.pending:
            set_status(reminder, ReminderStatus.cancelled, PROCEDURE_CANCELLED, now)
            session.add(reminder)
    procedure.status = ProcedureStatus.cancelled
    procedure.updated_at = now
    session.add(procedure)
    if _patient_was_told_the_date(session, reminders) and procedure.scheduled_at > now:
        _queue_notice(
            session,
            procedure,
            reminders,
            CANCELLATION_STEP,
            plan,
            ZoneInfo(patient.timezone),
            now,
            useful_until=procedure.scheduled_at,
        )
    audit_change(
        session,
        actor,
        "cancel",
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        field="status",
        was=was,
        now_is=procedure.status,
    )
    return procedure


def record_no_show(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> Procedure:
    """The patient did not come: the texts still to go (after the procedure) stop, each
    with the reason; no cancellation text (the day has passed). Twice changes nothing."""
    lock_procedure(session, procedure)
    was = procedure.status
    if was == ProcedureStatus.cancelled:
        return procedure
    why = f"{NO_SHOW}: {reason}"[:500] if reason else NO_SHOW
    for reminder in reminders_of(session, procedure.id or 0):
        if reminder.status == ReminderStatus.pending:
            set_status(reminder, ReminderStatus.cancelled, why, now)
            session.add(reminder)
    procedure.status = ProcedureStatus.cancelled
    procedure.updated_at = now
    session.add(procedure)
    audit_change(
        session,
        actor,
        "no_show",
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        field="status",
        was=was,
        now_is=procedure.status,
    )
    return procedure


def replan_procedure(
    session: Session, procedure: Procedure, patient: Patient, plan: TimelinePlan, now: datetime
) -> list[Reminder]:
    """Re-plan a scheduled procedure's pending reminders with `plan` (the plan changed)."""
    lock_procedure(session, procedure)
    if procedure.status == ProcedureStatus.cancelled:
        return reminders_of(session, procedure.id or 0)
    return reconcile(
        session, procedure, ZoneInfo(patient.timezone), plan, now, LATE_AFTER_PLAN_CHANGE
    )


def _patient_was_told_the_date(session: Session, reminders: Sequence[Reminder]) -> bool:
    """A sent text named the date, or one is with the provider right now (the worker holds
    no lock while it sends, so it may be about to arrive): either way a notice is owed."""
    told = [r for r in reminders if r.step in _TOLD_THE_DATE]
    if any(r.status == ReminderStatus.sent for r in told):
        return True
    in_flight = [r.message_id for r in told if r.status == ReminderStatus.pending and r.message_id]
    if not in_flight:
        return False
    sending = session.exec(
        select(Message.id).where(
            col(Message.id).in_(in_flight), Message.status == MessageStatus.sending
        )
    ).first()
    return sending is not None


def _queue_notice(
    session: Session,
    procedure: Procedure,
    reminders: Sequence[Reminder],
    step: str,
    plan: TimelinePlan,
    zone: ZoneInfo,
    now: datetime,
    *,
    useful_until: datetime,
) -> None:
    """One pending notice at most: a second quick change updates it, never doubles it."""
    due = first_sendable_instant(plan, now, zone)
    for reminder in reminders:
        if reminder.step in (CORRECTION_STEP, CANCELLATION_STEP) and (
            reminder.status == ReminderStatus.pending
        ):
            if reminder.step != step:
                set_status(reminder, ReminderStatus.cancelled, "superseded by a newer notice", now)
                session.add(reminder)
                continue
            reminder.due_at = reminder.next_attempt_at = due
            reminder.useful_until = useful_until
            reminder.updated_at = now
            session.add(reminder)
            return
    occurrence = 1 + sum(1 for r in reminders if r.step == step)
    session.add(new_reminder(procedure, PlannedReminder(step, occurrence, due, useful_until), now))
