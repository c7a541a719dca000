"""Acting on each inbound webhook once: the first delivery of a MessageSid claims it.

Twilio re-posts a webhook it did not get an answer to. Claiming the SID in the same
transaction as the action (insert, or nothing on conflict) makes a replay, even of
STOP or START long after, a no-op that returns the answer first given.
"""

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from service.conversation.models import InboundReceipt

ROUTINE = "routine"
URGENT = "urgent"


def claim(session: Session, sid: str, phone: str, now: datetime) -> bool:
    """True if this SID is new (and is now ours); False for a replay."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = InboundReceipt.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(sid=sid, phone=phone, received_at=now, action="received")
        .on_conflict_do_nothing(index_elements=["sid"])
        .returning(table.c.sid)
    )
    # RETURNING gives a row only when the insert happened (rowcount is not reliable here).
    return session.execute(statement).first() is not None


def record(
    session: Session,
    sid: str | None,
    action: str,
    answer: str | None,
    answer_kind: str | None,
    message_id: int | None,
) -> None:
    if sid is None:
        return
    receipt = session.get(InboundReceipt, sid)
    if receipt is None:
        return
    receipt.action = action
    receipt.answer = answer
    receipt.answer_kind = answer_kind if answer else None
    receipt.message_id = message_id
    session.add(receipt)


def first_answer(session: Session, sid: str) -> str | None:
    receipt = session.get(InboundReceipt, sid)
    return receipt.answer if receipt is not None else None


def answer_to(session: Session, message_id: int) -> str | None:
    """What we texted back to a stored reply (for a number not on file, the only record)."""
    return session.exec(
        select(InboundReceipt.answer).where(InboundReceipt.message_id == message_id).limit(1)
    ).first()


def answered_within(session: Session, phone: str, window: timedelta, now: datetime) -> bool:
    """Did this number get an answer (routine or urgent) within the conversation window?"""
    if window <= timedelta(0):
        return False
    found = session.exec(
        select(InboundReceipt.sid)
        .where(
            InboundReceipt.phone == phone,
            col(InboundReceipt.answer_kind).in_((ROUTINE, URGENT)),
            col(InboundReceipt.received_at) > now - window,
        )
        .limit(1)
    ).first()
    return found is not None
