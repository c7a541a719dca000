"""Record: write each text's outcome (recorder.py runs it as each text finishes).

A receipt may beat the recorder to a message (Twilio can call back within milliseconds):
then the message is no longer `sending`, the receipt has already settled its reminders,
and only the provider's id is filled in here.
"""

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy import text as sql
from sqlmodel import Session

from service.config import Settings
from service.messaging.masking import mask_phone
from service.messaging.models import Message, MessageStatus
from service.optouts.service import (
    CARRIER_OPT_OUT_KEYWORD,
    CARRIER_REPORTS_STOP,
    record_opt_out,
)
from service.procedures.models import Reminder, ReminderStatus

from .chunk import Due, RoundReport, Text
from .claim import id_array
from .gateway import Accepted, SendFailed
from .retry import retry_delay

log = logging.getLogger("reminders.dispatch")

MESSAGE = Message.__table__  # type: ignore[attr-defined]
REMINDER = Reminder.__table__  # type: ignore[attr-defined]

_ACCEPTED_MESSAGE = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("m_id"))
    .values(
        status=bindparam("m_status"),
        provider_message_id=bindparam("m_sid"),
        sent_at=bindparam("m_at"),
        updated_at=bindparam("m_at"),
    )
)
# A receipt settled it first: keep its status, add what only the send's answer knows.
_LATE_ANSWER = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("m_id"), MESSAGE.c.provider_message_id.is_(None))
    .values(provider_message_id=bindparam("m_sid"), sent_at=bindparam("m_at"))
)


def _sent(which: Any) -> Any:
    # `cancelled` too: a cancel that came while the text was in flight cannot call it
    # back; the history must say it went out.
    return (
        update(REMINDER)
        .where(
            which,
            or_(
                REMINDER.c.status == ReminderStatus.pending,
                REMINDER.c.status == ReminderStatus.cancelled,
            ),
        )
        .values(
            status=ReminderStatus.sent,
            status_reason=None,
            attempts=REMINDER.c.attempts + 1,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
            updated_at=bindparam("m_at"),
        )
    )


# By the attempt (receipts, take-overs: rare), and by primary key on the hot path.
SENT_REMINDERS = _sent(REMINDER.c.message_id == bindparam("m_id"))
_SENT_BY_ID = _sent(
    and_(REMINDER.c.id == bindparam("r_id"), REMINDER.c.message_id == bindparam("m_id"))
)
# The hot path on PostgreSQL: the accepted messages and their reminders in one statement,
# each list as one JSON document of the rows the SQLite path binds one by one (the same
# text for every batch, prepared once by the driver), instead of two row-by-row updates.
_ACCEPTED_AND_SENT = sql(
    "WITH accepted AS ("
    " UPDATE message SET status = m.m_status, provider_message_id = m.m_sid, sent_at = m.m_at,"
    " updated_at = m.m_at"
    " FROM json_to_recordset(CAST(:accepted AS json))"
    " AS m(m_id integer, m_status text, m_sid text, m_at timestamptz)"
    " WHERE message.id = m.m_id RETURNING message.id)"
    " UPDATE reminder SET status = :sent, status_reason = NULL, attempts = attempts + 1,"
    " next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL, updated_at = r.m_at"
    " FROM json_to_recordset(CAST(:reminders AS json))"
    " AS r(r_id integer, m_id integer, m_at timestamptz)"
    " WHERE reminder.id = r.r_id AND reminder.message_id = r.m_id"
    " AND reminder.status IN (:pending, :cancelled)"
).bindparams(
    sent=ReminderStatus.sent.value,
    pending=ReminderStatus.pending.value,
    cancelled=ReminderStatus.cancelled.value,
)
# Joined to the batch's ids rather than `id = ANY(...)`: while `message` is small the
# planner scans it, and `= ANY` then compares every row with every id of the batch.
_LOCK_MESSAGES = sql(
    "SELECT message.id, message.status FROM message"
    " JOIN unnest(CAST(:ids AS integer[])) AS batch(id) ON message.id = batch.id"
    " ORDER BY message.id FOR UPDATE OF message"
)
_FAILED_MESSAGE = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("m_id"))
    .values(
        status=MessageStatus.failed,
        error_code=bindparam("m_code"),
        error_message=bindparam("m_error"),
        updated_at=bindparam("m_at"),
    )
)
_REMINDER_OUTCOME = (
    update(REMINDER)
    .where(
        REMINDER.c.id == bindparam("r_id"),
        REMINDER.c.message_id == bindparam("r_message_id"),
        REMINDER.c.status == ReminderStatus.pending,
    )
    .values(
        status=bindparam("r_status"),
        status_reason=bindparam("r_reason"),
        attempts=bindparam("r_attempts"),
        next_attempt_at=bindparam("r_next"),
        claimed_by=None,
        claimed_until=None,
        updated_at=bindparam("r_at"),
    )
)


@dataclass(slots=True)
class Outcome:
    text: Text
    result: Accepted | SendFailed


class Outcomes:
    """Turns failures into retries or final failures, with the worker's backoff."""

    def __init__(self, settings: Settings, rng: random.Random) -> None:
        self.settings = settings
        self.rng = rng

    def retry_or_fail(
        self, reminders: list[Due], failure: SendFailed, now: datetime, report: RoundReport
    ) -> None:
        """Back off and try again later, or give up with the reason once tries run out."""
        attempts = max(r.attempts for r in reminders) + int(failure.spends_attempt)
        give_up = not failure.retryable or attempts >= self.settings.send_max_attempts
        reason = f"{failure.code + ': ' if failure.code else ''}{failure.message}"[:400]
        for reminder in reminders:
            reminder.attempts = attempts
            if give_up:
                reminder.finish(
                    ReminderStatus.failed, f"not sent after {attempts} attempt(s): {reason}"
                )
            elif not failure.spends_attempt:
                reminder.status_reason = f"not sent ({reason}); waiting for the clinic's set-up"
                reminder.release(now + self.backoff(max(attempts, 1), failure))
            else:
                reminder.status_reason = f"attempt {attempts} failed ({reason}); will retry"
                reminder.release(now + self.backoff(attempts, failure))
        report.count("failed" if give_up else "retried")

    def backoff(self, attempts: int, failure: SendFailed | None = None) -> timedelta:
        return retry_delay(
            self.settings,
            attempts,
            retry_after_seconds=failure.retry_after_seconds if failure else None,
            jitter=self.rng.uniform,
        )

    def write(self, session: Session, outcomes: list[Outcome]) -> None:
        """Write a batch of outcomes in the caller's transaction."""
        ids = sorted(o.text.message_id for o in outcomes)
        postgres = session.get_bind().dialect.name == "postgresql"
        # Message rows first, in id order, as the receipt webhook does: no deadlock.
        if postgres:
            rows = session.connection().execute(_LOCK_MESSAGES, {"ids": id_array(ids)})
        else:
            rows = session.connection().execute(
                select(MESSAGE.c.id, MESSAGE.c.status)
                .where(MESSAGE.c.id.in_(ids))
                .order_by(MESSAGE.c.id)
                .with_for_update()
            )
        open_ = {row.id for row in rows if row.status == MessageStatus.sending}
        accepted: list[dict[str, Any]] = []
        late: list[dict[str, Any]] = []
        reminder_rows: list[dict[str, Any]] = []
        sent_by_attempt: list[dict[str, Any]] = []
        sent_by_id: list[dict[str, Any]] = []
        for outcome in outcomes:
            text, result = outcome.text, outcome.result
            at = text.prepared_at
            if isinstance(result, Accepted):
                row = {"m_id": text.message_id, "m_sid": result.provider_message_id, "m_at": at}
                if text.message_id in open_:
                    accepted.append({**row, "m_status": result.status})
                    if text.reminders:
                        sent_by_id += [
                            {"r_id": r.id, "m_id": text.message_id, "m_at": at}
                            for r in text.reminders
                        ]
                    else:
                        sent_by_attempt.append(row)
                    text.report.count("sent")
                else:
                    late.append(row)
                continue
            if text.message_id not in open_:
                continue  # settled meanwhile (taken over after a lease ran out)
            session.execute(
                _FAILED_MESSAGE,
                {
                    "m_id": text.message_id,
                    "m_code": result.code,
                    "m_error": result.message[:500],
                    "m_at": at,
                },
            )
            self._fail(session, text, result)
            reminder_rows += [_outcome_row(r, text.message_id, at) for r in text.reminders]
        if accepted and postgres:
            session.connection().execute(
                _ACCEPTED_AND_SENT,
                {
                    "accepted": json.dumps(accepted, default=datetime.isoformat),
                    "reminders": json.dumps(sent_by_id, default=datetime.isoformat),
                },
            )
        else:
            if accepted:
                session.execute(_ACCEPTED_MESSAGE, accepted)
            if sent_by_id:
                session.execute(_SENT_BY_ID, sent_by_id)
        if sent_by_attempt:
            session.execute(SENT_REMINDERS, sent_by_attempt)
        if late:
            session.execute(_LATE_ANSWER, late)
        if reminder_rows:
            session.execute(_REMINDER_OUTCOME, reminder_rows)

    def _fail(self, session: Session, text: Text, failure: SendFailed) -> None:
        if failure.opted_out:
            # Twilio 21610: the patient texted STOP at the carrier. Never retried; the
            # number's later reminders are skipped when they come due.
            record_opt_out(session, text.phone, CARRIER_OPT_OUT_KEYWORD, text.prepared_at)
            attempts = max((r.attempts for r in text.reminders), default=0) + 1
            for reminder in text.reminders:
                reminder.attempts = attempts
                reminder.finish(ReminderStatus.skipped, CARRIER_REPORTS_STOP)
            text.report.count("skipped")
            log.info(
                "text not sent message_id=%s to=%s: the carrier reports an opt-out",
                text.message_id,
                mask_phone(text.phone),
            )
            return
        if not text.reminders:
            # A one-off text (one_off.py) is never retried on its own: the person who sent
            # it sees it failed, with the provider's reason, and decides.
            text.report.count("failed")
            log.warning(
                "one-off text not sent message_id=%s to=%s code=%s",
                text.message_id,
                mask_phone(text.phone),
                failure.code,
            )
            return
        self.retry_or_fail(text.reminders, failure, text.prepared_at, text.report)
        log.warning(
            "text not sent message_id=%s to=%s code=%s retry=%s",
            text.message_id,
            mask_phone(text.phone),
            failure.code,
            text.reminders[0].status == ReminderStatus.pending,
        )


def _outcome_row(reminder: Due, message_id: int, at: datetime) -> dict[str, object]:
    return {
        "r_id": reminder.id,
        "r_message_id": message_id,
        "r_status": reminder.status,
        "r_reason": reminder.status_reason,
        "r_attempts": reminder.attempts,
        "r_next": reminder.next_attempt_at,
        "r_at": at,
    }
