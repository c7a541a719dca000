"""The text asking a patient a feed enrolled for YES (INTAKE_SMS_CONSENT=ask), queued
with their first booked procedure: reminders belong to a procedure, and a patient with
nothing booked has nothing to be texted about yet."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.patients.models import Patient
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.new_reminders import new_reminder
from service.timeline.plan import CONSENT_REQUEST_STEP, TimelinePlan
from service.timeline.planner import PlannedReminder, first_sendable_instant

# What a reminder waits for while its patient has not answered the consent text.
WAITING_FOR_YES = "waiting for the patient's YES"


def consent_request(
    session: Session, procedure: Procedure, patient: Patient, plan: TimelinePlan, now: datetime
) -> PlannedReminder | None:
    """The consent request to plan with `procedure`, unless the patient is not waiting
    or one is pending or went out already."""
    if patient.awaiting_yes_since is None or procedure.scheduled_at <= now:
        return None
    asked = patient.created_at != now and bool(already_asked(session, [patient.id or 0]))
    return consent_request_for(procedure, patient, plan, now, asked=asked)


def consent_request_for(
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    now: datetime,
    *,
    asked: bool,
    occurrence: int = 1,
) -> PlannedReminder | None:
    """`consent_request` with whether the patient was `asked` already read beforehand."""
    if patient.awaiting_yes_since is None or procedure.scheduled_at <= now or asked:
        return None
    due = first_sendable_instant(plan, now, ZoneInfo(patient.timezone))
    return PlannedReminder(CONSENT_REQUEST_STEP, occurrence, due, procedure.scheduled_at)


def already_asked(session: Session, patient_ids: Sequence[int]) -> set[int]:
    """Which of these patients have a consent request pending or sent (one query; a
    patient enrolled in this very change has none: no need to ask the database)."""
    if not patient_ids:
        return set()
    rows = session.exec(
        select(Reminder.patient_id).where(
            col(Reminder.patient_id).in_(sorted(set(patient_ids))),
            Reminder.step == CONSENT_REQUEST_STEP,
            col(Reminder.status).in_((ReminderStatus.pending, ReminderStatus.sent)),
        )
    )
    return set(rows)


def ask_for_consent(
    session: Session, procedure: Procedure, patient: Patient, plan: TimelinePlan, now: datetime
) -> bool:
    """Queue the consent request on this procedure (a new number, or a patient a feed
    enrolled), unless one is still pending: texts are addressed when sent, so a pending
    request already goes to the number on file. True if queued.

    Asked on an enrolled patient's procedure, so the request may have gone out before
    (to an earlier number): the new one takes the next occurrence, never the first's."""
    earlier = list(
        session.exec(
            select(Reminder.occurrence, Reminder.status).where(
                Reminder.procedure_id == procedure.id, Reminder.step == CONSENT_REQUEST_STEP
            )
        )
    )
    pending = any(status == ReminderStatus.pending for _, status in earlier)
    occurrence = 1 + max((number for number, _ in earlier), default=0)
    request = consent_request_for(
        procedure, patient, plan, now, asked=pending, occurrence=occurrence
    )
    if request is None:
        return False
    session.add(new_reminder(procedure, request, now))
    return True
