"""Scheduling, rescheduling and cancelling procedures, and keeping their reminders in step.

The planner decides the timeline; this module reconciles it with what the database
already holds, in the caller's transaction, so a change is all-or-nothing. Each change
is audited here, naming who made it (an API key or a person in the console).
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, select

from service.audit.service import Actor, audit, audit_change
from service.errors import Conflict, InvalidInput, NotFound
from service.messaging.models import Message, MessageStatus
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.timeline.local_time import local_instant
from service.timeline.plan import (
    CANCELLATION_STEP,
    CORRECTION_STEP,
    FollowUpKind,
    Phase,
    TimelinePlan,
)
from service.timeline.planner import (
    LATE_AT_ENROLLMENT,
    BookedVisit,
    PlannedReminder,
    first_sendable_instant,
    plan_reminders,
)

LATE_AFTER_RESCHEDULE = "the procedure was moved and this reminder's time had passed"
LATE_AFTER_PLAN_CHANGE = "the timeline plan changed and this reminder's new time had passed"
PROCEDURE_CANCELLED = "procedure cancelled"
NO_LONGER_PLANNED = "no longer part of this procedure's timeline"
REPLACED_BY_VISIT = "replaced by reminders for the booked visit"

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


def reminders_of(session: Session, procedure_id: int) -> list[Reminder]:
    query = (
        select(Reminder)
        .where(Reminder.procedure_id == procedure_id)
        .order_by(col(Reminder.due_at), col(Reminder.id))
    )
    return list(session.exec(query))


def schedule_procedure(
    session: Session,
    patient: Patient,
    scheduled_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Procedure:
    """Book a procedure and plan its texts."""
    zone = ZoneInfo(patient.timezone)
    assert patient.id is not None
    procedure = Procedure(
        patient_id=patient.id,
        scheduled_at=resolve_scheduled_at(scheduled_at, zone, now),
        plan_version=plan.version,
        created_at=now,
        updated_at=now,
    )
    session.add(procedure)
    session.flush()
    # A brand-new procedure has no reminders and no visits yet, so reconciling would
    # insert every planned reminder: do that directly, in one executemany.
    planned = plan_reminders(
        plan, procedure.scheduled_at, zone, now, late_reason=LATE_AT_ENROLLMENT
    )
    _insert_new(session, procedure, planned, now)
    audit(
        session,
        actor,
        "create",
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        after={"scheduled_at": procedure.scheduled_at, "status": procedure.status},
    )
    return procedure


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
            _set_status(reminder, ReminderStatus.cancelled, PROCEDURE_CANCELLED, now)
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


def lock_procedure(session: Session, procedure: Procedure) -> None:
    """Take the procedure's row lock and re-read it: check its status only after this.

    Two changes to one procedure take turns (PostgreSQL row lock; SQLite serialises
    writers anyway), and the re-read means the second sees what the first committed
    (a cancel, say) instead of the copy it loaded before waiting, so it never re-plans
    a cancelled procedure back to life.
    """
    query = (
        select(Procedure)
        .where(Procedure.id == procedure.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    session.exec(query).one()


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
                _set_status(reminder, ReminderStatus.cancelled, "superseded by a newer notice", now)
                session.add(reminder)
                continue
            reminder.due_at = reminder.next_attempt_at = due
            reminder.useful_until = useful_until
            reminder.updated_at = now
            session.add(reminder)
            return
    occurrence = 1 + sum(1 for r in reminders if r.step == step)
    session.add(_new_reminder(procedure, PlannedReminder(step, occurrence, due, useful_until), now))


def reconcile(
    session: Session,
    procedure: Procedure,
    zone: ZoneInfo,
    plan: TimelinePlan,
    now: datetime,
    late_reason: str,
    *,
    again_before: bool = False,
) -> list[Reminder]:
    """Bring the stored timeline in line with a fresh plan; sent reminders stay history.

    With `again_before` (the procedure moved), a pre-procedure step already sent for
    the old date (week-before prep, fasting) is planned once more for the new date when
    it can still help: the patient needs the fasting time of the new day, not only the
    correction. It goes out as a further occurrence of the step.
    """
    if procedure.plan_version != plan.version:
        procedure.plan_version = plan.version
        session.add(procedure)
    existing = reminders_of(session, procedure.id or 0)
    before = {s.name for s in plan.steps if s.phase is Phase.before}
    done = {
        (r.step, r.occurrence)
        for r in existing
        if r.status == ReminderStatus.sent and not (again_before and r.step in before)
    }
    visits = _booked_visits(session, procedure)
    planned = plan_reminders(
        plan,
        procedure.scheduled_at,
        zone,
        now,
        visits=visits,
        already_done=done,
        late_reason=late_reason,
    )
    by_key: dict[tuple[str, int], Reminder] = {}
    for reminder in existing:
        key = (reminder.step, reminder.occurrence)
        # The pending row (there is at most one) is the one to re-plan in place.
        if key not in by_key or reminder.status == ReminderStatus.pending:
            by_key[key] = reminder
    if again_before:
        planned = _again_for_the_new_date(planned, existing, before)
    wanted = {(p.step, p.occurrence) for p in planned}

    for item in planned:
        row = by_key.get((item.step, item.occurrence))
        if row is None:
            row = _new_reminder(procedure, item, now)
            existing.append(row)
        elif row.status == ReminderStatus.sent:
            continue
        else:
            row.due_at = item.due_at
            row.useful_until = item.useful_until
            row.status = item.status
            row.status_reason = item.status_reason
            row.next_attempt_at = item.due_at if item.status == ReminderStatus.pending else None
            row.claimed_by = row.claimed_until = None
            row.attempts = 0
            row.updated_at = now
        session.add(row)

    replaced = {
        step.name for step in plan.steps if step.replaced_by_visit in {v.kind for v in visits}
    }
    for row in existing:
        key = (row.step, row.occurrence)
        if (
            row.status == ReminderStatus.pending
            and key not in wanted
            and row.step not in (CORRECTION_STEP, CANCELLATION_STEP)
        ):
            reason = REPLACED_BY_VISIT if row.step in replaced else NO_LONGER_PLANNED
            _set_status(row, ReminderStatus.cancelled, reason, now)
            session.add(row)
    session.flush()
    return existing


def _again_for_the_new_date(
    planned: list[PlannedReminder], existing: Sequence[Reminder], before: set[str]
) -> list[PlannedReminder]:
    """A pre-procedure step already sent keeps that row as history; its plan for the new
    date becomes the next occurrence (re-using a pending one), or nothing if it can no
    longer help."""
    result = []
    for item in planned:
        rows = [r for r in existing if r.step == item.step]
        if item.step not in before or not any(r.status == ReminderStatus.sent for r in rows):
            result.append(item)
            continue
        if item.status != ReminderStatus.pending:
            continue  # too late to help: the correction text says what changed
        live = [r for r in rows if r.status == ReminderStatus.pending]
        occurrence = live[0].occurrence if live else 1 + max(r.occurrence for r in rows)
        result.append(replace(item, occurrence=occurrence))
    return result


def _booked_visits(session: Session, procedure: Procedure) -> list[BookedVisit]:
    visits = session.exec(
        select(Appointment).where(
            Appointment.procedure_id == procedure.id,
            Appointment.status == AppointmentStatus.booked,
        )
    )
    return [BookedVisit(FollowUpKind(v.kind), v.starts_at) for v in visits]


def _new_reminder(procedure: Procedure, item: PlannedReminder, now: datetime) -> Reminder:
    assert procedure.id is not None
    pending = item.status == ReminderStatus.pending
    return Reminder(
        procedure_id=procedure.id,
        patient_id=procedure.patient_id,
        step=item.step,
        occurrence=item.occurrence,
        due_at=item.due_at,
        useful_until=item.useful_until,
        status=item.status,
        status_reason=item.status_reason,
        next_attempt_at=item.due_at if pending else None,
        created_at=now,
        updated_at=now,
    )


def _insert_new(
    session: Session, procedure: Procedure, planned: Sequence[PlannedReminder], now: datetime
) -> None:
    """Insert reminders for a procedure that has none, without building ORM objects: the
    same rows `_new_reminder` would make. Read them back with `reminders_of`."""
    if not planned:
        return
    assert procedure.id is not None
    rows = [
        {
            "procedure_id": procedure.id,
            "patient_id": procedure.patient_id,
            "step": item.step,
            "occurrence": item.occurrence,
            "due_at": item.due_at,
            "useful_until": item.useful_until,
            "status": item.status,
            "status_reason": item.status_reason,
            "attempts": 0,
            "next_attempt_at": item.due_at if item.status == ReminderStatus.pending else None,
            "claimed_by": None,
            "claimed_until": None,
            "message_id": None,
            "created_at": now,
            "updated_at": now,
        }
        for item in planned
    ]
    # The Core table, not the ORM entity: a plain executemany (pipelined by psycopg),
    # not the ORM's per-row objects and RETURNING.
    session.execute(insert(Reminder.__table__), rows)  # type: ignore[attr-defined]


def _set_status(reminder: Reminder, status: str, reason: str, now: datetime) -> None:
    reminder.status = status
    reminder.status_reason = reason
    reminder.next_attempt_at = None
    reminder.claimed_by = reminder.claimed_until = None
    reminder.updated_at = now
