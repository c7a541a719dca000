"""A patient's reply, posted by Twilio: keywords, warning signs, words for the clinic."""

import logging

from fastapi import APIRouter, BackgroundTasks, Response
from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation.alerts import notify_alert_webhook
from service.conversation.consent import (
    REPLIED_STOP,
    Keyword,
    keyword_of,
    opt_in,
    opt_out,
    reply_word,
)
from service.conversation.urgency import mentions_warning_sign
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import InvalidInput
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, Message, MessageStatus
from service.messaging.twilio_signature import SignedForm, twiml
from service.patients.models import Patient
from service.patients.phone import to_e164
from service.timeline.active import active_plan

log = logging.getLogger("reminders.webhooks")

router = APIRouter(prefix="/v1/twilio", tags=["twilio webhooks"])


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
            return twiml()
        skipped = opt_out(session, phone, reply_word(body), now, REPLIED_STOP)
        session.commit()
        log.info("opt-out by reply from %s: %s reminder(s) skipped", mask_phone(phone), skipped)
        # Empty on purpose: on long codes and toll-free numbers Twilio (the carrier layer)
        # already confirms STOP itself; a reply of ours would text them twice.
        return twiml()
    if keyword == Keyword.start:
        if phone is None:
            return twiml()
        resumed = opt_in(session, phone, reply_word(body), now, active_plan(settings, session))
        session.commit()
        log.info("opt-in by reply from %s: %s reminder(s) resume", mask_phone(phone), resumed)
        return twiml()  # Twilio confirms START itself, as for STOP
    if keyword == Keyword.help:
        return twiml(_help_text(settings))

    urgent = mentions_warning_sign(body)
    patient = _latest_patient(session, phone) if phone else None
    if patient is None:
        log.info("reply from a number no patient has; not stored (urgent=%s)", urgent)
        return twiml(_urgent_text(settings, "en") if urgent else None)

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
        return twiml(_urgent_text(settings, patient.language))
    return twiml()


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
