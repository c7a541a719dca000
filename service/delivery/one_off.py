"""One-off texts (a staff member's text from the inbox or the API) through the delivery
engine, with a scheduled reminder's guarantees:

- the attempt (the message row, `sending`) is written and committed before the provider
  is called, in the caller's unit of work;
- no transaction is open while the provider is called (on SQLite that would hold the
  process's write lock for the whole call);
- the provider's answer is recorded by the same code as a reminder's (record.py);
- an attempt cut short by a crash (after the provider took the text, before its answer
  was recorded) is settled by the same take-over as a reminder's (takeover.py): the
  provider is asked, a text it has is recorded as sent and never sent again, and one it
  does not have is marked failed (a one-off text is not re-sent behind its sender's back).
"""

import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from service.config import Settings
from service.db import session_scope
from service.messaging.models import Direction, Message, MessageStatus

from .chunk import RoundReport, Text
from .gateway import Accepted, SendFailed, SmsGateway
from .gateways import status_callback_url
from .record import MESSAGE, Outcome, Outcomes
from .send import send_attempt
from .takeover import OpenAttempt, take_over

# The step every one-off text is filed under (a partial index finds its open attempts).
ONE_OFF_STEP = "staff_message"
# Open one-off attempts taken over per worker round (each costs a provider look-up).
TAKE_OVER_BATCH = 50


def open_one_off_attempt(
    session: Session,
    *,
    patient_id: int,
    phone: str,
    body: str,
    language: str,
    gateway_name: str,
    now: datetime,
) -> Message:
    """Write the attempt in the caller's transaction; the caller commits it before
    `send_one_off` is called."""
    message = Message(
        patient_id=patient_id,
        direction=Direction.outbound,
        phone=phone,
        body=body,
        steps=ONE_OFF_STEP,
        language=language,
        status=MessageStatus.sending,
        gateway=gateway_name,
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    session.flush()
    return message


def send_one_off(
    engine: Engine, settings: Settings, gateway: SmsGateway, attempt: Message, now: datetime
) -> tuple[Message, Accepted | SendFailed]:
    """Send a committed attempt (no transaction open meanwhile) and record the answer in a
    unit of work of its own; the message as recorded, and the provider's answer."""
    assert attempt.id is not None, "the attempt is written and committed first"
    text = Text(
        message_id=attempt.id,
        procedure_id=attempt.procedure_id,
        phone=attempt.phone,
        body=attempt.body,
        steps=attempt.steps,
        reminders=[],
        prepared_at=now,
        report=RoundReport(),
    )
    result = send_attempt(gateway, text, status_callback_url(settings))
    with session_scope(engine) as session:
        Outcomes(settings, random.Random()).write(session, [Outcome(text, result)])  # noqa: S311
        recorded = session.get(Message, attempt.id)
    assert recorded is not None
    return recorded, result


def open_one_off_attempts(session: Session, now: datetime, lease: timedelta) -> list[OpenAttempt]:
    """One-off attempts still `sending` after `lease`: their sender stopped before
    recording the provider's answer (a live send is bounded by the gateway's timeout)."""
    rows = session.execute(
        select(MESSAGE.c.id, MESSAGE.c.phone, MESSAGE.c.body, MESSAGE.c.created_at)
        .where(
            MESSAGE.c.steps == ONE_OFF_STEP,
            MESSAGE.c.status == MessageStatus.sending,
            MESSAGE.c.created_at < now - lease,
        )
        .order_by(MESSAGE.c.created_at)
        .limit(TAKE_OVER_BATCH)
    ).all()
    return [OpenAttempt(row.id, None, row.phone, row.body, row.created_at) for row in rows]


def take_over_one_offs(
    engine: Engine,
    gateway: SmsGateway,
    outcomes: Outcomes,
    lease: timedelta,
    now: datetime,
    report: RoundReport,
    ask_all: Callable[[Callable[[OpenAttempt], object], list[OpenAttempt]], Iterable[object]],
) -> int:
    """Settle abandoned one-off attempts with the reminders' take-over; how many."""
    with Session(engine) as session:
        attempts = open_one_off_attempts(session, now, lease)
    if attempts:
        take_over(engine, gateway, outcomes, attempts, now, report, ask_all)
    return len(attempts)
