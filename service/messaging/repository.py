"""The queries over texts to and from patients that the adapters need."""

from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.messaging.models import Direction, Message


def messages_of_patient(
    session: Session, patient_id: int, *, limit: int, offset: int
) -> tuple[list[Message], int]:
    """A page of the patient's texts, oldest first, and how many there are in all (both
    through the `message.patient_id` index)."""
    total = session.exec(
        select(func.count()).select_from(Message).where(Message.patient_id == patient_id)
    ).one()
    page = session.exec(
        select(Message)
        .where(Message.patient_id == patient_id)
        .order_by(col(Message.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return list(page), int(total)


def latest_messages_of_patient(session: Session, patient_id: int, limit: int) -> list[Message]:
    """The patient's latest `limit` texts, in the order they were written (oldest first)."""
    query = (
        select(Message)
        .where(Message.patient_id == patient_id)
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    )
    latest = list(session.exec(query).all())
    latest.reverse()  # read top to bottom in order
    return latest


def urgent_replies(session: Session, limit: int) -> list[Message]:
    """Replies that mention a warning sign, newest first (`ix_message_urgent_reply`)."""
    query = (
        select(Message)
        .where(Message.direction == Direction.inbound, col(Message.urgent).is_(True))
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def messages_by_id(session: Session, ids: Collection[int]) -> dict[int, Message]:
    """The messages with these ids, by id (one query; none asked, none read)."""
    if not ids:
        return {}
    query = select(Message).where(col(Message.id).in_(sorted(ids)))
    return {m.id or 0: m for m in session.exec(query)}
