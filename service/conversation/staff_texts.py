"""A one-off text from staff to a patient, held to the same rules as every text."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from service.audit.service import Actor, audit
from service.config import Settings
from service.conversation.inbound_text import clean_text
from service.db import session_scope
from service.delivery.gateway import SendFailed, SmsGateway
from service.delivery.one_off import ONE_OFF_STEP, open_one_off_attempt, send_one_off
from service.delivery.prepare import check_sending
from service.errors import Conflict, DomainError, InvalidInput
from service.messaging.masking import mask_phone, mask_phone_numbers_in
from service.messaging.models import Message
from service.optouts.service import opt_out_state
from service.patients.service import get_patient
from service.templates.segments import count_segments
from service.timeline.active import active_plan

log = logging.getLogger("reminders.staff_texts")

STAFF_TEXT_STEP = ONE_OFF_STEP


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
    engine: Engine,
    settings: Settings,
    gateway: SmsGateway,
    patient_id: int,
    body: str,
    actor: Actor,
    now: datetime,
    *,
    outside_window: bool = False,
) -> Message:
    """Send now, or refuse: 409 for an opted-out number or (unless `outside_window`) a
    time outside the patient's sending window; 422 for a text over the segment ceiling.

    Owns its units of work, so the caller must have none open (on SQLite it would hold
    the write lock this needs): the checks, the attempt and its audit are committed
    first, the provider is called with no transaction open, and its answer is recorded
    by the delivery engine (service/delivery/one_off.py), which also settles an attempt
    cut short by a crash without sending it twice."""
    text = staff_text_body(settings, body)
    segments = count_segments(text)
    if segments.segments > settings.sms_max_segments:
        raise InvalidInput(
            f"the text is {segments.characters} characters ({segments.encoding}) = "
            f"{segments.segments} SMS segments; the limit is {settings.sms_max_segments}",
            field="body",
        )
    with session_scope(engine) as session:
        patient = get_patient(session, patient_id)
        plan = active_plan(settings, session)
        # The same checks as every scheduled reminder (delivery/prepare.py).
        check = check_sending(
            opt_out_state(session, patient.phone), plan, now, ZoneInfo(patient.timezone)
        )
        if check.opted_out is not None:
            raise Conflict(
                "the patient's number opted out (replied STOP); they get no texts until "
                "they reply START",
                field="patient_id",
            )
        if not check.inside_window and not outside_window:
            local = now.astimezone(ZoneInfo(patient.timezone)).strftime("%H:%M")
            raise Conflict(
                f"it is {local} for the patient, outside the sending window "
                f"{plan.sending_window.opens:%H:%M}-{plan.sending_window.closes:%H:%M}; "
                "send with outside_window: true if it cannot wait",
                field="outside_window",
            )
        attempt = open_one_off_attempt(
            session,
            patient_id=patient_id,
            phone=patient.phone,
            body=text,
            language=patient.language,
            gateway_name=gateway.name,
            now=now,
        )
        audit(
            session,
            actor,
            "create",
            "message",
            attempt.id,
            patient_id,
            at=now,
            fields=["body"],
            after={"status": attempt.status},
        )
    message, result = send_one_off(engine, settings, gateway, attempt, now)
    log.info(
        "staff text to=%s message_id=%s status=%s",
        mask_phone(message.phone),
        message.id,
        message.status,
    )
    if isinstance(result, SendFailed):
        # Recorded as failed either way: the staff see it in the patient's messages.
        raise TextNotAccepted(
            f"the SMS provider did not accept the text ({message.error_code}): "
            f"{mask_phone_numbers_in(message.error_message or '')}",
            field="body",
        )
    return message
