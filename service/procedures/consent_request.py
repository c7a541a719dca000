"""The text asking a patient a feed enrolled for YES (INTAKE_SMS_CONSENT=ask), queued
with their first booked procedure: reminders belong to a procedure, and a patient with
nothing booked has nothing to be texted about yet."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.patients.models import Patient
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.reconcile import new_reminder
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
    if patient.created_at != now:  # enrolled in this very change: nothing asked yet
        asked = session.exec(
            select(Reminder.id).where(
                Reminder.patient_id == patient.id,
                Reminder.step == CONSENT_REQUEST_STEP,
                col(Reminder.status).in_((ReminderStatus.pending, ReminderStatus.sent)),
            )
        ).first()
        if asked is not None:
            return None
    due = first_sendable_instant(plan, now, ZoneInfo(patient.timezone))
    return PlannedReminder(CONSENT_REQUEST_STEP, 1, due, procedure.scheduled_at)


def ask_for_consent(
    session: Session, procedure: Procedure, patient: Patient, plan: TimelinePlan, now: datetime
) -> bool:
    """Queue the consent request unless one is pending or went out already; True if queued."""
    request = consent_request(session, procedure, patient, plan, now)
    if request is None:
        return False
    session.add(new_reminder(procedure, request, now))
    return True
