"""Every text out and every reply in as a FHIR Communication (Medplum's messaging model):
medium SMS, `sent` or `received`, the words in `payload.contentString`, `basedOn` the
procedure's Appointment. This is how an EHR shows the clinic's texts in the chart."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fhir.resources.R4B.communication import Communication
from sqlmodel import Session, col, select

from service.errors import InvalidInput
from service.messaging.models import Direction, Message, MessageStatus

SMS_MEDIUM = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode",
            "code": "SMSWRIT",
            "display": "SMS written",
        }
    ]
}
_STATUS = {
    MessageStatus.sending: "in-progress",
    MessageStatus.queued: "in-progress",
    MessageStatus.sent: "completed",
    MessageStatus.delivered: "completed",
    MessageStatus.received: "completed",
    MessageStatus.undelivered: "not-done",
    MessageStatus.failed: "not-done",
}
LIMIT = 200


def communication(message: Message) -> Communication:
    when = (message.sent_at or message.created_at).astimezone(UTC).isoformat()
    data: dict[str, Any] = {
        "resourceType": "Communication",
        "id": str(message.id),
        "status": _STATUS.get(message.status, "unknown"),  # type: ignore[call-overload]
        "medium": [SMS_MEDIUM],
        "payload": [{"contentString": message.body}],
    }
    if message.patient_id is not None:
        patient = {"reference": f"Patient/{message.patient_id}"}
        data["subject"] = patient
        side = "recipient" if message.direction == Direction.outbound else "sender"
        data[side] = [patient] if side == "recipient" else patient
    if message.procedure_id is not None:
        data["basedOn"] = [{"reference": f"Appointment/p{message.procedure_id}"}]
    data["sent" if message.direction == Direction.outbound else "received"] = when
    return Communication.model_validate(data)


def find(session: Session, patient_id: int | None, sent: list[str]) -> list[Message]:
    query = select(Message).where(col(Message.patient_id).is_not(None))
    if patient_id is not None:
        query = query.where(Message.patient_id == patient_id)
    for value in sent:
        prefix, day = (
            (value[:2], value[2:]) if value[:2] in ("ge", "le", "gt", "lt", "eq") else ("eq", value)
        )
        try:
            start = datetime.combine(date.fromisoformat(day[:10]), time(0), tzinfo=UTC)
        except ValueError:
            raise InvalidInput("sent must be a date, e.g. ge2027-03-01", field="sent") from None
        end = start + timedelta(days=1)
        when = col(Message.created_at)
        query = query.where(
            {
                "ge": when >= start,
                "gt": when >= end,
                "le": when < end,
                "lt": when < start,
                "eq": (when >= start) & (when < end),
            }[prefix]
        )
    return list(session.exec(query.order_by(col(Message.created_at), col(Message.id)).limit(LIMIT)))
