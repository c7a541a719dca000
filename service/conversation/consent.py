"""STOP / START: applying the number's opt-out to the reminders of every record of it.

An opt-out belongs to the phone number (`service.optouts`), so family members sharing one
phone are all stopped at once, whichever of them the text was meant for.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.optouts.models import PhoneOptOut
from service.optouts.service import STOP_REASONS, record_opt_out, set_opt_out
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.timeline.plan import TimelinePlan
from service.timeline.planner import first_sendable_instant


def opt_out(session: Session, phone: str, keyword: str, now: datetime, reason: str) -> int:
    """Stop texting `phone`: record it, skip every pending reminder of its patients.

    Returns the number of reminders skipped. The UPDATE only touches rows still pending
    when it runs, so a reminder a worker is sending right now is left to that worker
    (which re-checks the opt-out after locking).
    """
    record_opt_out(session, phone, keyword, now)
    patient_ids = select(Patient.id).where(Patient.phone == phone).scalar_subquery()
    result = session.execute(
        update(Reminder)
        .where(
            col(Reminder.patient_id).in_(patient_ids),
            col(Reminder.status) == ReminderStatus.pending,
        )
        .values(
            status=ReminderStatus.skipped,
            status_reason=reason,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def opt_in(session: Session, phone: str, keyword: str, now: datetime, plan: TimelinePlan) -> int:
    """Texts to `phone` resume: reminders skipped because of STOP that can still help
    go back to pending, due at their own time or the next sending window. Returns how many.
    """
    current = session.get(PhoneOptOut, phone)
    if current is not None and current.opted_out:
        set_opt_out(session, phone, False, keyword.upper()[:32], now, current)
    return resume_skipped(session, phone, STOP_REASONS, now, plan)


def resume_skipped(
    session: Session, phone: str, reasons: tuple[str, ...], now: datetime, plan: TimelinePlan
) -> int:
    """Reminders of `phone`'s patients skipped for one of `reasons` that can still help go
    back to pending, due at their own time or the next sending window. Returns how many."""
    rows = session.exec(
        select(Reminder, Patient.timezone)
        .join(Patient, col(Patient.id) == col(Reminder.patient_id))
        .join(Procedure, col(Procedure.id) == col(Reminder.procedure_id))
        .where(
            Patient.phone == phone,
            Procedure.status == ProcedureStatus.scheduled,
            Reminder.status == ReminderStatus.skipped,
            col(Reminder.status_reason).in_(reasons),
            col(Reminder.useful_until) > now,
        )
        .order_by(col(Reminder.id))
        .with_for_update(of=Reminder)
    ).all()
    if not rows:
        return 0
    procedure_ids = {r.procedure_id for r, _ in rows}
    live = {
        (r.procedure_id, r.step, r.occurrence)
        for r in session.exec(
            select(Reminder).where(
                col(Reminder.procedure_id).in_(procedure_ids),
                col(Reminder.status).in_((ReminderStatus.pending, ReminderStatus.sent)),
            )
        )
    }
    resumed = 0
    for reminder, timezone in rows:
        key = (reminder.procedure_id, reminder.step, reminder.occurrence)
        if key in live:
            continue  # re-planned or sent since; one live copy of a step at most
        opening = first_sendable_instant(plan, now, ZoneInfo(timezone))
        reminder.status = ReminderStatus.pending
        reminder.status_reason = None
        reminder.next_attempt_at = max(reminder.due_at, opening)
        reminder.claimed_by = reminder.claimed_until = None
        reminder.updated_at = now
        session.add(reminder)
        live.add(key)
        resumed += 1
    session.flush()
    return resumed
