"""What a carrier's "undelivered" means for the reminders the text carried.

Twilio accepted the text, so its reminders were marked sent; a later receipt saying the
handset never got it must not leave them looking done. A passing fault (phone off, queue
full) puts them back in line with the worker's backoff; a permanent one (landline,
unknown number, filtered) marks them failed with the carrier's code, for staff to see.
"""

from datetime import datetime

from sqlmodel import Session, select

from service.config import Settings
from service.delivery.retry import retry_delay
from service.procedures.models import Reminder, ReminderStatus

# Twilio's delivery error codes that a later attempt can overcome.
TRANSIENT_CARRIER_ERRORS = frozenset(
    {
        "30001",  # queue overflow
        "30003",  # unreachable destination handset (off, out of coverage)
        "30008",  # unknown error
        "30009",  # missing segment
    }
)


def carrier_failure(
    session: Session,
    message_id: int,
    status: str,
    error_code: str | None,
    settings: Settings,
    now: datetime,
) -> int:
    """Re-queue or fail the reminders a text carried; returns how many changed."""
    code = error_code or "no code"
    transient = error_code is None or error_code in TRANSIENT_CARRIER_ERRORS
    reminders = session.exec(
        select(Reminder)
        .where(Reminder.message_id == message_id, Reminder.status == ReminderStatus.sent)
        .with_for_update()
    ).all()
    # One retry time for the whole text, so its reminders go out together again; the
    # worker still checks the window and usefulness when it comes.
    retry_at = now + retry_delay(settings, max((r.attempts for r in reminders), default=1))
    for reminder in reminders:
        if transient and reminder.attempts < settings.send_max_attempts:
            reminder.status = ReminderStatus.pending
            reminder.status_reason = f"the carrier reported the text {status} ({code}); will retry"
            reminder.next_attempt_at = retry_at
        else:
            reminder.status = ReminderStatus.failed
            reminder.status_reason = (
                f"the carrier reported the text {status} ({code}) after "
                f"{reminder.attempts} attempt(s)"
            )
            reminder.next_attempt_at = None
        reminder.claimed_by = reminder.claimed_until = None
        reminder.updated_at = now
        session.add(reminder)
    return len(reminders)
