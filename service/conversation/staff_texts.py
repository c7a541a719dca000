"""A one-off text from staff to a patient, held to the same rules as every text."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.audit.service import Actor, audit
from service.config import Settings
from service.conversation.inbound_text import clean_text
from service.delivery.gateway import OutgoingText, SendFailed, SmsGateway
from service.delivery.gateways import status_callback_url
from service.errors import Conflict, DomainError, InvalidInput
from service.messaging.masking import mask_phone, mask_phone_numbers_in
from service.messaging.models import Direction, Message, MessageStatus
from service.optouts.service import is_opted_out
from service.patients.models import Patient
from service.templates.segments import count_segments
from service.timeline.plan import TimelinePlan
from service.timeline.planner import first_sendable_instant

log = logging.getLogger("reminders.staff_texts")

STAFF_TEXT_STEP = "staff_message"


class TextNotAccepted(DomainError):
    """The SMS provider refused the text (it is recorded as failed)."""

    status_code = 502


def staff_text_body(settings: Settings, body: str) -> str:
    """The text as the patient reads it: signed with the clinic's name like every text."""
    text = clean_text(body).strip()
    if not text:
        raise InvalidInput("must not be empty", field="body")
    prefix = f"{settings.clinic_name}: "
    return text if text.startswith(prefix) else prefix + text


def send_staff_text(
    session: Session,
    settings: Settings,
    plan: TimelinePlan,
    gateway: SmsGateway,
    patient: Patient,
    body: str,
    actor: Actor,
    now: datetime,
    *,
    outside_window: bool = False,
) -> Message:
    """Send now, or refuse: 409 for an opted-out number or (unless `outside_window`) a
    time outside the patient's sending window; 422 for a text over the segment ceiling."""
    text = staff_text_body(settings, body)
    segments = count_segments(text)
    if segments.segments > settings.sms_max_segments:
        raise InvalidInput(
            f"the text is {segments.characters} characters ({segments.encoding}) = "
            f"{segments.segments} SMS segments; the limit is {settings.sms_max_segments}",
            field="body",
        )
    if is_opted_out(session, patient.phone):
        raise Conflict(
            "the patient's number opted out (replied STOP); they get no texts until they "
            "reply START",
            field="patient_id",
        )
    zone = ZoneInfo(patient.timezone)
    opening = first_sendable_instant(plan, now, zone)
    if opening != now and not outside_window:
        local = now.astimezone(zone).strftime("%H:%M")
        raise Conflict(
            f"it is {local} for the patient, outside the sending window "
            f"{plan.sending_window.opens:%H:%M}-{plan.sending_window.closes:%H:%M}; "
            "send with outside_window: true if it cannot wait",
            field="outside_window",
        )
    message = Message(
        patient_id=patient.id or 0,
        direction=Direction.outbound,
        phone=patient.phone,
        body=text,
        steps=STAFF_TEXT_STEP,
        language=patient.language,
        status=MessageStatus.sending,
        gateway=gateway.name,
        created_at=now,
        updated_at=now,
    )
    failure: SendFailed | None = None
    try:
        accepted = gateway.send(OutgoingText(patient.phone, text, status_callback_url(settings)))
        message.status = accepted.status
        message.provider_message_id = accepted.provider_message_id
        message.sent_at = now
    except SendFailed as exc:
        failure = exc
        message.status = MessageStatus.failed
        message.error_code = (exc.code or "error")[:32]
        message.error_message = mask_phone_numbers_in(exc.message)[:500]
    session.add(message)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "message",
        message.id,
        patient.id,
        at=now,
        fields=["body"],
        after={"status": message.status},
    )
    log.info(
        "staff text to=%s message_id=%s status=%s",
        mask_phone(patient.phone),
        message.id,
        message.status,
    )
    if failure is not None:
        # Recorded as failed either way: the staff see it in the patient's messages.
        session.commit()
        raise TextNotAccepted(
            f"the SMS provider did not accept the text ({message.error_code}): "
            f"{message.error_message}",
            field="body",
        )
    return message
