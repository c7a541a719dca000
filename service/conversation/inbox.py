"""The care team's inbox: every reply waits here, urgent first, until someone handles it.

A reply from a number no patient has waits here too, with no patient: staff see the
number to call back.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import Session, col, select

from service.audit.reads import Read, record_read
from service.audit.service import Actor, audit
from service.auth.models import ApiKey
from service.errors import Conflict, NotFound
from service.messaging.models import Direction, Message
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus


@dataclass(frozen=True)
class WaitingReply:
    message: Message
    # None: the number is not on file (message.phone is the number it came from).
    patient: Patient | None
    procedure: Procedure | None

    @property
    def number_on_file(self) -> bool:
        return self.patient is not None


def _unhandled() -> ColumnElement[bool]:
    return and_(col(Message.direction) == Direction.inbound, col(Message.handled_at).is_(None))


def unhandled_replies(session: Session, limit: int = 200) -> list[WaitingReply]:
    """Unhandled replies, urgent first, then oldest first, with patient and procedure
    (none for a number not on file)."""
    rows = session.exec(
        select(Message, Patient)
        .outerjoin(Patient, col(Patient.id) == col(Message.patient_id))
        .where(_unhandled())
        .order_by(col(Message.urgent).desc(), col(Message.created_at), col(Message.id))
        .limit(limit)
    ).all()
    procedures = _procedures_of(session, {p.id for _, p in rows if p is not None and p.id})
    return [
        WaitingReply(m, p, procedures.get(p.id or 0) if p is not None else None) for m, p in rows
    ]


def urgent_waiting(
    session: Session, limit: int, patient_id: int | None = None
) -> list[tuple[Message, Patient | None]]:
    """Urgent replies nobody has handled yet, newest first: the same rows the inbox puts
    first, so Today, a patient's page and the inbox agree (read through the partial
    index on urgent inbound replies)."""
    query = (
        select(Message, Patient)
        .outerjoin(Patient, col(Patient.id) == col(Message.patient_id))
        .where(_unhandled(), col(Message.urgent))
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(limit)
    )
    if patient_id is not None:
        query = query.where(col(Message.patient_id) == patient_id)
    return list(session.exec(query).all())


def _procedures_of(session: Session, patient_ids: set[int]) -> dict[int, Procedure]:
    """Each patient's procedure the reply is most likely about: the latest scheduled one,
    else the latest of any status."""
    found: dict[int, Procedure] = {}
    if not patient_ids:
        return found
    procedures = session.exec(
        select(Procedure)
        .where(col(Procedure.patient_id).in_(patient_ids))
        .order_by(col(Procedure.id))
    )
    for procedure in procedures:
        current = found.get(procedure.patient_id)
        if (
            current is None
            or procedure.status == ProcedureStatus.scheduled
            or current.status != ProcedureStatus.scheduled
        ):
            found[procedure.patient_id] = procedure
    return found


def read_inbox(session: Session, actor: Actor, now: datetime, limit: int) -> list[WaitingReply]:
    """The inbox, with the read audited (it shows patients' words)."""
    replies = unhandled_replies(session, limit)
    shown = [r.message.patient_id for r in replies]
    record_read(session, actor, Read.inbox, at=now, shown=shown)
    return replies


def read_reply(session: Session, message_id: int, actor: Actor, now: datetime) -> WaitingReply:
    """One reply with its patient and procedure, handled or not; the read is audited."""
    message = session.get(Message, message_id)
    if message is None or message.direction != Direction.inbound:
        raise NotFound(f"no reply with id {message_id}", field="message_id")
    if message.patient_id is None:
        record_read(session, actor, Read.reply, at=now, entity_id=message.id)
        return WaitingReply(message, None, None)
    patient = session.get(Patient, message.patient_id)
    assert patient is not None and patient.id is not None
    procedure = (
        session.get(Procedure, message.procedure_id)
        if message.procedure_id is not None
        else _procedures_of(session, {patient.id}).get(patient.id)
    )
    record_read(session, actor, Read.reply, at=now, entity_id=message.id, patient_id=patient.id)
    return WaitingReply(message, patient, procedure)


def handle_reply(
    session: Session, message_id: int, actor: Actor, note: str | None, now: datetime
) -> Message:
    """Mark a reply handled (who, when, an optional note); audited as a change."""
    message = session.exec(
        select(Message).where(Message.id == message_id).with_for_update()
    ).first()
    if message is None or message.direction != Direction.inbound:
        raise NotFound(f"no reply with id {message_id}", field="message_id")
    if message.handled_at is not None:
        raise Conflict(
            f"already handled by {message.handled_by} at {message.handled_at.isoformat()}",
            field="message_id",
        )
    message.handled_at = now
    # A person's name is kept by name (the audit holds their account id).
    message.handled_by_key_id = actor.id if isinstance(actor, ApiKey) else None
    message.handled_by = actor.name
    message.handled_note = note or None
    message.updated_at = now
    session.add(message)
    audit(
        session,
        actor,
        "handle",
        "reply",
        message.id,
        message.patient_id,
        at=now,
        fields=["handled_at", *(["handled_note"] if note else [])],
        before={"status": "unhandled"},
        after={"status": "handled"},
    )
    return message


def unhandled_summary(session: Session) -> tuple[int, datetime | None]:
    """How many replies wait, and since when the oldest has (for /metrics)."""
    count, oldest = session.exec(
        select(func.count(), func.min(Message.created_at)).where(_unhandled())
    ).one()
    return int(count or 0), oldest


def recovered_count(session: Session) -> int:
    """Replies the catch-up took from Twilio's log after an outage (for /metrics)."""
    return int(
        session.exec(select(func.count()).where(col(Message.recovered_at).is_not(None))).one()
    )
