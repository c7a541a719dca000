"""Keeping a procedure's stored reminders in step with a fresh plan: procedures, visits
and plan changes all re-plan through `reconcile`, under the procedure's row lock."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.new_reminders import new_reminder
from service.templates.reading_order import PART_MARK
from service.timeline.plan import (
    CANCELLATION_STEP,
    CONSENT_REQUEST_STEP,
    CORRECTION_STEP,
    FollowUpKind,
    Phase,
    TimelinePlan,
    is_question_step,
)
from service.timeline.planner import BookedVisit, PlannedReminder, plan_reminders

NO_LONGER_PLANNED = "no longer part of this procedure's timeline"
REPLACED_BY_VISIT = "replaced by reminders for the booked visit"


def reminders_of(session: Session, procedure_id: int) -> list[Reminder]:
    query = (
        select(Reminder)
        .where(Reminder.procedure_id == procedure_id)
        .order_by(col(Reminder.due_at), col(Reminder.id))
    )
    return list(session.exec(query))


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
    existing = reminders_of(session, procedure.id or 0)
    visits = _booked_visits(session, procedure)
    rows = reconcile_rows(
        procedure, existing, visits, zone, plan, now, late_reason, again_before=again_before
    )
    session.add(procedure)
    session.add_all(rows)
    session.flush()
    return rows


def reconcile_rows(
    procedure: Procedure,
    existing: list[Reminder],
    visits: list[BookedVisit],
    zone: ZoneInfo,
    plan: TimelinePlan,
    now: datetime,
    late_reason: str,
    *,
    again_before: bool = False,
) -> list[Reminder]:
    """`reconcile` without a session: changes `procedure` and the `existing` rows in
    place and returns them with the new rows appended (not added to any session). The
    plan's dry run runs it on copies, so it reads and locks nothing it would change."""
    if procedure.plan_version != plan.version:
        procedure.plan_version = plan.version
    existing = list(existing)
    before = {s.name for s in plan.steps if s.phase is Phase.before}
    done = {
        (r.step, r.occurrence)
        for r in existing
        if r.status == ReminderStatus.sent and not (again_before and r.step in before)
    }
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
            existing.append(new_reminder(procedure, item, now))
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

    replaced = {
        step.name for step in plan.steps if step.replaced_by_visit in {v.kind for v in visits}
    }
    # A check-in already asked owns its next question and its reminder (sent by the
    # answer, or due a day after the question): the planner no longer plans them.
    under_way = {
        r.occurrence
        for r in existing
        if is_question_step(r.step) and r.status == ReminderStatus.sent
    }
    for row in existing:
        key = (row.step, row.occurrence)
        if (
            row.status == ReminderStatus.pending
            and key not in wanted
            and row.step not in (CORRECTION_STEP, CANCELLATION_STEP, CONSENT_REQUEST_STEP)
            and not (is_question_step(row.step) and row.occurrence in under_way)
            # The rest of a text cut to fit (fitting.py) still goes out a minute later.
            and PART_MARK not in row.step
        ):
            reason = REPLACED_BY_VISIT if row.step in replaced else NO_LONGER_PLANNED
            set_status(row, ReminderStatus.cancelled, reason, now)
    return existing


def booked_visits_of(
    session: Session, procedure_ids: Sequence[int]
) -> dict[int, list[BookedVisit]]:
    """The booked visits of many procedures in one query."""
    found: dict[int, list[BookedVisit]] = {pid: [] for pid in procedure_ids}
    for visit in session.exec(
        select(Appointment).where(
            col(Appointment.procedure_id).in_(procedure_ids),
            Appointment.status == AppointmentStatus.booked,
        )
    ):
        found[visit.procedure_id].append(BookedVisit(FollowUpKind(visit.kind), visit.starts_at))
    return found


def reminders_of_many(session: Session, procedure_ids: Sequence[int]) -> dict[int, list[Reminder]]:
    """The reminders of many procedures in one query, each list in `reminders_of` order."""
    found: dict[int, list[Reminder]] = {pid: [] for pid in procedure_ids}
    query = (
        select(Reminder)
        .where(col(Reminder.procedure_id).in_(procedure_ids))
        .order_by(col(Reminder.procedure_id), col(Reminder.due_at), col(Reminder.id))
    )
    for reminder in session.exec(query):
        found[reminder.procedure_id].append(reminder)
    return found


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


def set_status(reminder: Reminder, status: str, reason: str, now: datetime) -> None:
    """Settle a reminder (cancelled, skipped): it leaves the queue and any claim on it."""
    reminder.status = status
    reminder.status_reason = reason
    reminder.next_attempt_at = None
    reminder.claimed_by = reminder.claimed_until = None
    reminder.updated_at = now
