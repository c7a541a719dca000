"""Queries on the texts to and from patients."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.messaging.models import Message


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
