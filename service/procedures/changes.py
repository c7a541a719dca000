"""Changes to a booked procedure: moved, cancelled, a no-show, re-planned; and the text a
change owes a patient who was already told the date.

The planner decides the timeline and `reconcile` brings the stored reminders in line
with it, in the caller's transaction, so a change is all-or-nothing. Each change is
audited here, naming who made it (an API key or a person in the console).
"""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.audit.service import Actor, audit_change
from service.errors import Conflict
from service.messaging.models import Message, MessageStatus
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.procedures.new_reminders import new_reminder
from service.procedures.reconcile import lock_procedure, reconcile, reminders_of, set_status
from service.procedures.service import resolve_scheduled_at
from service.timeline.plan import CANCELLATION_STEP, CORRECTION_STEP, TimelinePlan
from service.timeline.planner import PlannedReminder, first_sendable_instant

LATE_AFTER_RESCHEDULE = "the procedure was moved and this reminder's time had passed"
LATE_AFTER_PLAN_CHANGE = "the timeline plan changed and this reminder's new time had passed"
PROCEDURE_CANCELLED = "procedure cancelled"
NO_SHOW = "the patient did not come to the procedure (no-show)"

# Steps that say something about the procedure's date, time or fasting: once any
# of them went out, moving or cancelling the procedure owes the patient a text.
_TOLD_THE_DATE = {"prep_week", "fasting", CORRECTION_STEP}


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
    _stop(session, procedure, reminders, PROCEDURE_CANCELLED, now)
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
    _audit_status(session, actor, "cancel", procedure, patient, was, now)
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
    _stop(session, procedure, reminders_of(session, procedure.id or 0), why, now)
    _audit_status(session, actor, "no_show", procedure, patient, was, now)
    return procedure


def _stop(
    session: Session, procedure: Procedure, reminders: Sequence[Reminder], why: str, now: datetime
) -> None:
    """The procedure cancelled, and each text still to go stopped with `why`."""
    for reminder in reminders:
        if reminder.status == ReminderStatus.pending:
            set_status(reminder, ReminderStatus.cancelled, why, now)
            session.add(reminder)
    procedure.status = ProcedureStatus.cancelled
    procedure.updated_at = now
    session.add(procedure)


def _audit_status(
    session: Session,
    actor: Actor,
    action: str,
    procedure: Procedure,
    patient: Patient,
    was: str,
    now: datetime,
) -> None:
    audit_change(
        session,
        actor,
        action,
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        field="status",
        was=was,
        now_is=procedure.status,
    )


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
