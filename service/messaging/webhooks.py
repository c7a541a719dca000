"""What Twilio posts to us: delivery receipts and patients' replies.

Twilio calls these routes, so they carry no API key; their authentication is the
`X-Twilio-Signature` header, an HMAC of the URL Twilio called (PUBLIC_BASE_URL + path)
and the form fields, keyed with TWILIO_AUTH_TOKEN. A request without a valid signature
is refused (403) before anything is read or written.
"""

import logging
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from sqlmodel import Session, col, select
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from service.config import Settings
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError, Forbidden, InvalidInput
from service.messaging.alerts import notify_alert_webhook
from service.messaging.consent import (
    REPLIED_STOP,
    Keyword,
    keyword_of,
    opt_in,
    opt_out,
    reply_word,
)
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, Message, MessageStatus
from service.messaging.receipts import carrier_failure
from service.messaging.urgency import mentions_warning_sign
from service.patients.models import Patient
from service.patients.phone import to_e164
from service.timeline.active import active_plan

log = logging.getLogger("reminders.webhooks")

router = APIRouter(prefix="/v1/twilio", tags=["twilio webhooks"])

SIGNATURE_HEADER = "X-Twilio-Signature"

# Progress of an outbound text; a receipt never moves a message back down this order.
_PROGRESS = {
    MessageStatus.sending: 0,
    MessageStatus.queued: 1,
    MessageStatus.sent: 2,
    MessageStatus.delivered: 3,
}
_FAILURES = {MessageStatus.undelivered, MessageStatus.failed}


class TwilioNotConfigured(DomainError):
    status_code = 503


async def signed_form(request: Request, settings: SettingsDep) -> ImmutableMultiDict[str, str]:
    """The posted form fields, once the Twilio signature over them checks out."""
    if not settings.twilio_auth_token or not settings.public_base_url:
        raise TwilioNotConfigured(
            "Twilio webhooks are not configured: set TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL "
            "(unsigned posts are never accepted)"
        )
    raw = (await request.body()).decode("utf-8", errors="replace")
    form = ImmutableMultiDict(parse_qsl(raw, keep_blank_values=True))
    # Sign against the public URL Twilio was given, not whatever host a proxy forwards.
    url = settings.public_base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get(SIGNATURE_HEADER)
    validator = RequestValidator(settings.twilio_auth_token)
    if not signature or not validator.validate(url, form, signature):
        log.warning("twilio webhook refused: missing or invalid signature on %s", request.url.path)
        raise Forbidden(f"missing or invalid {SIGNATURE_HEADER}", field=SIGNATURE_HEADER)
    return form


SignedForm = Annotated[ImmutableMultiDict[str, str], Depends(signed_form)]


def _twiml(reply: str | None = None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(content=str(response), media_type="application/xml")


@router.post("/status", response_class=Response)
def delivery_receipt(
    form: SignedForm, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Twilio's StatusCallback: how far an outbound text got."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    error_code = (form.get("ErrorCode") or "").strip() or None
    if not sid:
        raise InvalidInput("MessageSid is missing", field="MessageSid")
    message = session.exec(
        select(Message).where(Message.provider_message_id == sid).with_for_update()
    ).first()
    if message is None or message.direction != Direction.outbound:
        log.info("delivery receipt for an unknown message ignored sid=%s status=%s", sid, status)
        return _twiml()
    if _apply_receipt(message, status, error_code, now):
        session.add(message)
        if message.status in _FAILURES:
            carrier_failure(session, message.id or 0, status, error_code, settings, now)
        session.commit()
        log.info(
            "delivery receipt message_id=%s status=%s error_code=%s",
            message.id,
            message.status,
            error_code,
        )
    return _twiml()


def _apply_receipt(message: Message, status: str, error_code: str | None, now: datetime) -> bool:
    """Move the message forward only; returns whether anything changed."""
    current = message.status
    if status in _FAILURES:
        # Terminal failure, but a text already delivered stays delivered.
        changed = current != MessageStatus.delivered and (
            current != status or (error_code is not None and message.error_code != error_code)
        )
        if changed:
            message.status = status
            if error_code:
                message.error_code = error_code[:32]
                message.error_message = f"Twilio reports {status} (error {error_code})"
    elif status in _PROGRESS:
        if current in _FAILURES and status != MessageStatus.delivered:
            return False  # a late "sent" after the failure says nothing new
        old_rank = _PROGRESS.get(MessageStatus(current), -1) if current in _PROGRESS else -1
        changed = _PROGRESS[MessageStatus(status)] > old_rank
        if changed:
            message.status = status
    else:
        return False  # accepted, scheduled, read, ...: nothing we track
    if changed:
        message.updated_at = now
    return changed


@router.post("/inbound", response_class=Response)
def inbound_text(
    form: SignedForm,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    background: BackgroundTasks,
) -> Response:
    """A patient's reply: STOP/START/HELP, or words for the clinic to read."""
    body = form.get("Body") or ""
    sid = form.get("MessageSid") or form.get("SmsSid")
    phone = _e164(form.get("From") or "", settings)
    keyword = keyword_of(body)

    if keyword == Keyword.stop:
        if phone is None:
            return _twiml()
        skipped = opt_out(session, phone, reply_word(body), now, REPLIED_STOP)
        session.commit()
        log.info("opt-out by reply from %s: %s reminder(s) skipped", mask_phone(phone), skipped)
        # Empty on purpose: on long codes and toll-free numbers Twilio (the carrier layer)
        # already confirms STOP itself; a reply of ours would text them twice.
        return _twiml()
    if keyword == Keyword.start:
        if phone is None:
            return _twiml()
        resumed = opt_in(session, phone, reply_word(body), now, active_plan(settings, session))
        session.commit()
        log.info("opt-in by reply from %s: %s reminder(s) resume", mask_phone(phone), resumed)
        return _twiml()  # Twilio confirms START itself, as for STOP
    if keyword == Keyword.help:
        return _twiml(_help_text(settings))

    urgent = mentions_warning_sign(body)
    patient = _latest_patient(session, phone) if phone else None
    if patient is None:
        log.info("reply from a number no patient has; not stored (urgent=%s)", urgent)
        return _twiml(_urgent_text(settings, "en") if urgent else None)

    message = (
        session.exec(select(Message).where(Message.provider_message_id == sid)).first()
        if sid
        else None
    )
    if message is None:  # else Twilio re-sent a reply we already stored
        message = Message(
            patient_id=patient.id or 0,
            direction=Direction.inbound,
            phone=patient.phone,
            body=body,
            language=patient.language,
            status=MessageStatus.received,
            gateway="twilio",
            provider_message_id=sid,
            urgent=urgent,
            created_at=now,
            updated_at=now,
        )
        session.add(message)
        session.commit()
        log.info(
            "reply stored message_id=%s patient_id=%s urgent=%s", message.id, patient.id, urgent
        )
        if urgent and settings.alert_webhook_url:
            background.add_task(
                notify_alert_webhook,
                settings.alert_webhook_url,
                message.id or 0,
                message.patient_id,
                message.created_at,
            )
    if message.urgent:
        return _twiml(_urgent_text(settings, patient.language))
    return _twiml()


def _e164(raw: str, settings: Settings) -> str | None:
    try:
        return to_e164(raw, settings.clinic_phone_region)
    except InvalidInput:
        return None


def _latest_patient(session: Session, phone: str) -> Patient | None:
    return session.exec(
        select(Patient).where(Patient.phone == phone).order_by(col(Patient.id).desc())
    ).first()


def _help_text(settings: Settings) -> str:
    return (
        f"{settings.clinic_name}: reminders about your MILD procedure. "
        f"Questions? Call {settings.clinic_phone}. Reply STOP to opt out."
    )


def _urgent_text(settings: Settings, language: str) -> str:
    if language.lower().startswith("es"):
        return (
            f"{settings.clinic_name}: Llame ahora a la clínica al {settings.clinic_phone}. "
            "Si es una emergencia, llame al 911. Nadie lee estos mensajes a toda hora."
        )
    return (
        f"{settings.clinic_name}: Please call the clinic now at {settings.clinic_phone}. "
        "If this is an emergency, call 911. Texts here are not read around the clock."
    )
