"""`reminders reply`: a patient's text typed at the terminal, for demos, training and
tests without a Twilio account. It goes through `receive_text`, exactly as Twilio's
webhook does: stored, answered, triaged, shown in the inbox."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import select

from service.config import Settings
from service.conversation.replies import Outcome, receive_text
from service.conversation.urgent_follow_up import urgent_follow_ups
from service.db import session_scope
from service.delivery.console import ConsoleGateway
from service.delivery.gateway import OutgoingText
from service.errors import DomainError
from service.messaging.models import Message
from service.patients.phone import to_e164
from service.timeline.active import active_plan

NOT_WITH_TWILIO = (
    "reminders reply only simulates a patient's text with the console SMS gateway "
    "(SMS_GATEWAY=console); with SMS_GATEWAY=twilio, text the clinic's number from a phone"
)


@dataclass(frozen=True)
class SimulatedReply:
    outcome: Outcome
    message_id: int | None
    patient_id: int | None
    urgent: bool
    # A keyword (STOP, START, HELP, C) needs no person: it is handled as it comes in.
    handled: bool


def simulate_reply(
    settings: Settings, engine: Engine, raw_from: str, body: str, now: datetime, out: TextIO
) -> SimulatedReply:
    """Take `body` in as a text from `raw_from`; the answer is printed like any text."""
    if settings.sms_gateway != "console":
        raise DomainError(NOT_WITH_TWILIO, field="SMS_GATEWAY")
    phone = to_e164(raw_from, settings.clinic_phone_region, field="from")
    gateway = ConsoleGateway(out)
    # A SID of our own: unique, so the reply is claimed once like a webhook's.
    sid = f"SMconsole{uuid.uuid4().hex}"
    with session_scope(engine) as session:
        outcome = receive_text(
            session,
            settings,
            active_plan(settings, session),
            raw_body=body,
            raw_from=phone,
            raw_sid=sid,
            now=now,
        )
        session.commit()
        kept = session.exec(select(Message).where(Message.provider_message_id == sid)).first()
        message_id = kept.id if kept is not None else None
        patient_id = kept.patient_id if kept is not None else None
        urgent = bool(kept is not None and kept.urgent)
        handled = bool(kept is not None and kept.handled_at is not None)
    if outcome.answer:
        # Twilio would text the webhook's answer back; the console gateway prints it.
        gateway.send(OutgoingText(to=phone, body=outcome.answer))
    for task in urgent_follow_ups(outcome, settings, engine, gateway, now):
        task()
    return SimulatedReply(outcome, message_id, patient_id, urgent, handled)


def run_reply_command(settings: Settings, sender: str, words: str) -> int:
    """`reminders reply --from NUMBER "words"`: 0 once kept; 1 with the reason."""
    import sys
    from datetime import UTC

    from service.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        done = simulate_reply(settings, engine, sender, words, datetime.now(UTC), sys.stdout)
    except DomainError as exc:
        print(f"reminders reply: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if done.outcome.replay:
        print("already taken in")
    elif done.handled:
        print(f"kept as reply {done.message_id}, handled by itself (a keyword): not in /inbox")
    elif done.patient_id is None:
        print(f"kept as reply {done.message_id} from a number not on file; see /inbox")
    else:
        flags = " (urgent: mentions a warning sign)" if done.urgent else ""
        print(f"kept as reply {done.message_id} of patient {done.patient_id}{flags}; see /inbox")
    return 0
