"""Take-over: settle the attempts a dead worker left open before sending anything again.

An attempt (a `sending` message) whose lease ran out was cut short somewhere between
being written and being recorded. The provider knows whether it took the text, so it is
asked first (same number, same body, since the attempt began): a text it has is recorded
as sent, never sent twice; a text it does not have is sent again by the normal path; and
when the provider cannot answer, nothing is sent and the question is asked again later.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, bindparam, select, update
from sqlmodel import Session

from service.messaging.masking import mask_phone
from service.messaging.models import MessageStatus
from service.procedures.models import ReminderStatus

from .chunk import RoundReport, Text
from .claim import among
from .gateway import Accepted, OutgoingText, SendFailed, SmsGateway
from .record import MESSAGE, REMINDER, Outcome, Outcomes

log = logging.getLogger("reminders.dispatch")

NOT_ACCEPTED = "not_accepted"


@dataclass
class OpenAttempt:
    message_id: int
    procedure_id: int | None  # None for a one-off text (one_off.py)
    phone: str
    body: str
    started_at: datetime
    attempts: int = 0
    reminder_ids: list[int] = field(default_factory=list)


def open_attempts(
    session: Session, worker_id: str, procedure_ids: list[int], in_flight: set[int]
) -> list[OpenAttempt]:
    """Attempts left open on reminders this worker has just claimed (its own live sends
    excluded)."""
    rows = session.execute(
        select(
            REMINDER.c.id,
            REMINDER.c.attempts,
            MESSAGE.c.id.label("message_id"),
            MESSAGE.c.procedure_id,
            MESSAGE.c.phone,
            MESSAGE.c.body,
            MESSAGE.c.created_at,
        )
        .join(MESSAGE, MESSAGE.c.id == REMINDER.c.message_id)
        .where(
            among(session, REMINDER.c.procedure_id, procedure_ids),
            REMINDER.c.claimed_by == worker_id,
            REMINDER.c.status == ReminderStatus.pending,
            MESSAGE.c.status == MessageStatus.sending,
        )
    ).all()
    found: dict[int, OpenAttempt] = {}
    for row in rows:
        if row.message_id in in_flight:
            continue
        attempt = found.setdefault(
            row.message_id,
            OpenAttempt(row.message_id, row.procedure_id, row.phone, row.body, row.created_at),
        )
        attempt.reminder_ids.append(row.id)
        attempt.attempts = max(attempt.attempts, row.attempts)
    return list(found.values())


def ask_provider(gateway: SmsGateway, attempt: OpenAttempt) -> Accepted | SendFailed | None:
    try:
        return gateway.find_accepted(OutgoingText(attempt.phone, attempt.body), attempt.started_at)
    except SendFailed as failure:
        return failure
    except Exception as exc:  # an unexpected fault: the provider could not say
        return SendFailed(f"{type(exc).__name__}: {exc}", retryable=True, code="lookup")


_ABANDONED = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("m_id"), MESSAGE.c.status == MessageStatus.sending)
    .values(
        status=MessageStatus.failed,
        error_code=NOT_ACCEPTED,
        # A reminder's text is then sent anew by the normal path; a one-off text is not
        # (its sender sees it failed and decides).
        error_message="the provider has no record of this text (its sender stopped first)",
        updated_at=bindparam("m_at"),
    )
)
_DETACH = (
    update(REMINDER)
    .where(REMINDER.c.message_id == bindparam("m_id"), REMINDER.c.status == ReminderStatus.pending)
    .values(message_id=None)
)
_ASK_AGAIN = (
    update(REMINDER)
    .where(REMINDER.c.message_id == bindparam("m_id"), REMINDER.c.status == ReminderStatus.pending)
    .values(
        next_attempt_at=bindparam("r_next"),
        status_reason=bindparam("r_reason"),
        claimed_by=None,
        claimed_until=None,
        updated_at=bindparam("m_at"),
    )
)


def take_over(
    engine: Engine,
    gateway: SmsGateway,
    outcomes: Outcomes,
    attempts: list[OpenAttempt],
    now: datetime,
    report: RoundReport,
    ask_all: Callable[[Callable[[OpenAttempt], object], list[OpenAttempt]], Iterable[object]],
) -> None:
    """Ask the provider about each open attempt, then settle them in one transaction."""
    answers = list(ask_all(lambda a: ask_provider(gateway, a), attempts))
    recorded: list[Outcome] = []
    abandoned: list[dict[str, object]] = []
    later: list[dict[str, object]] = []
    for attempt, answer in zip(attempts, answers, strict=True):
        to = mask_phone(attempt.phone)
        if isinstance(answer, Accepted):
            log.info(
                "take-over: the provider has message_id=%s to=%s; recorded, not resent",
                attempt.message_id,
                to,
            )
            text = Text(
                attempt.message_id,
                attempt.procedure_id,
                attempt.phone,
                attempt.body,
                "",
                [],
                now,
                report,
            )
            recorded.append(Outcome(text, answer))
        elif answer is None:
            log.info(
                "take-over: the provider never took message_id=%s to=%s; sending anew",
                attempt.message_id,
                to,
            )
            abandoned.append({"m_id": attempt.message_id, "m_at": now})
        else:
            assert isinstance(answer, SendFailed)
            log.warning(
                "take-over: could not ask the provider about message_id=%s (%s); "
                "nothing sent, asking again later",
                attempt.message_id,
                answer.code,
            )
            reason = (
                f"the provider could not say whether it has the text ({answer.code}); "
                "will ask again before sending"
            )
            later.append(
                {
                    "m_id": attempt.message_id,
                    "m_at": now,
                    "r_reason": reason[:500],
                    "r_next": now + outcomes.backoff(max(attempt.attempts, 1), answer),
                }
            )
            report.count("retried")
    with Session(engine) as session:
        if recorded:
            outcomes.write(session, recorded)
        if abandoned:
            session.execute(_ABANDONED, abandoned)
            session.execute(_DETACH, abandoned)
        if later:
            session.execute(_ASK_AGAIN, later)
        session.commit()
