"""Procedures coming up whose patient the texts no longer reach: someone must call.

A patient who replied STOP gets no fasting text; one whose last text failed may have a
new phone. Both are listed for the next `CALL_AHEAD` so the front desk calls in time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.messaging.models import Direction, Message, MessageStatus
from service.optouts.models import PhoneOptOut
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus

CALL_AHEAD = timedelta(days=14)
# A provider's verdict that the text never reached the phone.
NOT_DELIVERED = (MessageStatus.failed, MessageStatus.undelivered)


@dataclass(frozen=True)
class ProcedureToCall:
    procedure_id: int
    scheduled_at: datetime
    patient: Patient
    # Set when the number replied STOP (and has not texted START since).
    opted_out_at: datetime | None
    # Set when the latest text of the procedure did not reach the phone.
    failed_at: datetime | None
    failure: str | None


def procedures_to_call(
    session: Session, now: datetime, limit: int = 100, ahead: timedelta = CALL_AHEAD
) -> list[ProcedureToCall]:
    """Scheduled procedures from `now` to `now + ahead`, earliest first, whose patient
    opted out of texts or whose last text failed."""
    upcoming = session.exec(
        select(Procedure, Patient)
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(
            col(Procedure.status) == ProcedureStatus.scheduled,
            col(Procedure.scheduled_at) >= now,
            col(Procedure.scheduled_at) < now + ahead,
        )
        .order_by(col(Procedure.scheduled_at), col(Procedure.id))
        # A clinic books a few dozen procedures a fortnight; the bound keeps a
        # mistaken bulk import from making this page slow.
        .limit(2000)
    ).all()
    if not upcoming:
        return []
    phones = sorted({patient.phone for _, patient in upcoming})
    stopped = {
        row.phone: row.changed_at
        for row in session.exec(
            select(PhoneOptOut).where(
                col(PhoneOptOut.phone).in_(phones), col(PhoneOptOut.opted_out)
            )
        )
    }
    failures = _last_failures(session, [p.id for p, _ in upcoming if p.id is not None])
    found = []
    for procedure, patient in upcoming:
        assert procedure.id is not None
        failure = failures.get(procedure.id)
        if patient.phone not in stopped and failure is None:
            continue
        found.append(
            ProcedureToCall(
                procedure_id=procedure.id,
                scheduled_at=procedure.scheduled_at,
                patient=patient,
                opted_out_at=stopped.get(patient.phone),
                failed_at=failure[0] if failure else None,
                failure=failure[1] if failure else None,
            )
        )
        if len(found) >= limit:
            break
    return found


def _last_failures(session: Session, procedure_ids: list[int]) -> dict[int, tuple[datetime, str]]:
    """Procedures whose latest text did not reach the phone: when, and why. A text is a
    message the provider took (its receipt may say undelivered later) or a reminder the
    worker gave up on before any provider took it."""
    outcomes: dict[int, tuple[datetime, str | None]] = {}
    if not procedure_ids:
        return {}

    def note(procedure_id: int, at: datetime, failure: str | None) -> None:
        if procedure_id not in outcomes or outcomes[procedure_id][0] <= at:
            outcomes[procedure_id] = (at, failure)

    for message in session.exec(
        select(Message).where(
            col(Message.procedure_id).in_(procedure_ids),
            col(Message.direction) == Direction.outbound,
        )
    ):
        assert message.procedure_id is not None
        failed = message.status in NOT_DELIVERED
        note(message.procedure_id, message.updated_at, _failure(message) if failed else None)
    for reminder in session.exec(
        select(Reminder).where(
            col(Reminder.procedure_id).in_(procedure_ids),
            col(Reminder.status) == ReminderStatus.failed,
        )
    ):
        note(reminder.procedure_id, reminder.updated_at, reminder.status_reason or "not sent")
    return {pid: (at, why) for pid, (at, why) in outcomes.items() if why is not None}


def _failure(message: Message) -> str:
    if message.error_message and message.error_code:
        return f"{message.error_message} ({message.error_code})"
    return message.error_message or message.error_code or f"the text was {message.status}"
