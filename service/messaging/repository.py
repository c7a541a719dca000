"""The queries over texts to and from patients that the adapters need."""

from sqlmodel import Session, col, select

from service.messaging.models import Message


def messages_of_patient(session: Session, patient_id: int) -> list[Message]:
    """Every text to and from the patient, oldest first."""
    query = select(Message).where(Message.patient_id == patient_id).order_by(col(Message.id))
    return list(session.exec(query).all())
