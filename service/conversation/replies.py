"""A patient's text, taken in: keywords, confirmations, warning signs, and the answer.

One implementation behind the Twilio webhook. Every step happens in the caller's
transaction, claimed by the text's MessageSid, so a replayed webhook changes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation import answers, receipts
from service.conversation.confirmations import ConfirmedVisit, confirm_next_visit
from service.conversation.consent import REPLIED_STOP, opt_in, opt_out
from service.conversation.inbound_text import clean_text, sid_key
from service.conversation.keywords import Keyword, is_spanish_keyword, keyword_of, reply_word
from service.conversation.triage import mentions_warning_sign
from service.errors import InvalidInput
from service.messaging.masking import mask_phone
from service.messaging.models import Direction, Message, MessageStatus
from service.patients.models import Patient
from service.patients.phone import to_e164
from service.templates.compose import local_date_text, local_time_text
from service.timeline.plan import TimelinePlan

log = logging.getLogger("reminders.replies")

CONFIRMED_BY_TEXT = "confirmed the visit by text"
# The `steps` of our answer to a reply, as stored in the patient's messages.
ANSWER_STEP = "answer_to_reply"


@dataclass(frozen=True)
class Outcome:
    """What the webhook answers, and what should happen once the transaction commits."""

    answer: str | None = None
    urgent_message_id: int | None = None
    urgent_patient_id: int | None = None
    urgent_received_at: datetime | None = None
    replay: bool = False


def receive_text(
    session: Session,
    settings: Settings,
    plan: TimelinePlan,
    *,
    raw_body: str,
    raw_from: str,
    raw_sid: str | None,
    now: datetime,
) -> Outcome:
    """Act on one inbound text and return the answer to text back (None: no answer)."""
    body = clean_text(raw_body)
    sid = sid_key(raw_sid)
    phone = _e164(clean_text(raw_from), settings)
    if sid is not None and not receipts.claim(session, sid, phone or "", now):
        log.info("replayed inbound webhook ignored (already acted on)")
        return Outcome(answer=receipts.first_answer(session, sid), replay=True)

    keyword = keyword_of(body)
    patient = _latest_patient(session, phone) if phone else None
    language = patient.language if patient is not None else None

    if keyword is Keyword.stop:
        answer = None
        if phone is not None:
            skipped = opt_out(session, phone, reply_word(body), now, REPLIED_STOP)
            log.info("opt-out by reply from %s: %s reminder(s) skipped", mask_phone(phone), skipped)
            # Twilio confirms its own keywords (a second text would be a double); it
            # knows nothing of ALTO, PARAR or DETENER, so those we confirm.
            answer = answers.spanish_stop_answer(settings) if is_spanish_keyword(body) else None
        receipts.record(session, sid, "stop", answer, None, None)
        return Outcome(answer=answer)
    if keyword is Keyword.start:
        answer = None
        if phone is not None:
            resumed = opt_in(session, phone, reply_word(body), now, plan)
            log.info("opt-in by reply from %s: %s reminder(s) resume", mask_phone(phone), resumed)
            answer = answers.spanish_start_answer(settings) if is_spanish_keyword(body) else None
        receipts.record(session, sid, "start", answer, None, None)
        return Outcome(answer=answer)
    if keyword is Keyword.help:
        fallback = "es" if is_spanish_keyword(body) else "en"
        answer = answers.help_answer(settings, language or fallback)
        receipts.record(session, sid, "help", answer, None, None)
        return Outcome(answer=answer)

    urgent = mentions_warning_sign(body)
    if keyword is Keyword.confirm and phone is not None and not urgent:
        confirmed = confirm_next_visit(session, phone, now)
        if confirmed is not None:
            return _visit_confirmed(session, settings, confirmed, body, sid, now)

    if patient is None:
        # Not one of our patients: nobody to file it under, but the safety answer
        # still goes out (rationed like any routine answer).
        log.info("reply from a number no patient has; not stored (urgent=%s)", urgent)
        answer, kind = _answer(session, settings, phone, None, urgent, False, now)
        receipts.record(session, sid, "unknown_number", answer, kind, None)
        return Outcome(answer=answer)

    reschedule = keyword is Keyword.reschedule
    message = _store_reply(
        session, patient, body, sid, now, urgent=urgent, reschedule_request=reschedule
    )
    answer, kind = _answer(session, settings, phone, language, urgent, reschedule, now)
    receipts.record(session, sid, "reply", answer, kind, message.id)
    _keep_answer(session, patient, answer, now)
    log.info(
        "reply stored message_id=%s patient_id=%s urgent=%s reschedule=%s answered=%s",
        message.id,
        patient.id,
        urgent,
        reschedule,
        answer is not None,
    )
    if not urgent:
        return Outcome(answer=answer)
    return Outcome(
        answer=answer,
        urgent_message_id=message.id,
        urgent_patient_id=message.patient_id,
        urgent_received_at=now,
    )


def _answer(
    session: Session,
    settings: Settings,
    phone: str | None,
    language: str | None,
    urgent: bool,
    reschedule: bool,
    now: datetime,
) -> tuple[str | None, str | None]:
    """The urgent answer every time; otherwise one answer per conversation window."""
    if urgent:
        return answers.urgent_answer(settings, language), receipts.URGENT
    if reschedule:
        return answers.reschedule_answer(settings, language), receipts.ROUTINE
    window = timedelta(hours=settings.conversation_window_hours)
    if phone is None or receipts.answered_within(session, phone, window, now):
        return None, None
    return answers.routine_answer(settings, language), receipts.ROUTINE


def _visit_confirmed(
    session: Session,
    settings: Settings,
    confirmed: ConfirmedVisit,
    body: str,
    sid: str | None,
    now: datetime,
) -> Outcome:
    patient, visit = confirmed.patient, confirmed.appointment
    # Kept in the conversation, already handled: nobody needs to act on a confirmation.
    message = _store_reply(
        session,
        patient,
        body,
        sid,
        now,
        procedure_id=visit.procedure_id,
        handled_at=now,
        handled_by=CONFIRMED_BY_TEXT,
    )
    zone = ZoneInfo(patient.timezone)
    local = visit.starts_at.astimezone(zone)
    lang = answers.answer_language(patient.language)
    answer = answers.visit_confirmed_answer(
        settings,
        patient.language,
        visit.kind,
        local_date_text(local, lang),
        local_time_text(local, lang),
    )
    receipts.record(session, sid, "confirm", answer, None, message.id)
    _keep_answer(session, patient, answer, now)
    log.info("visit confirmed by text appointment_id=%s patient_id=%s", visit.id, patient.id)
    return Outcome(answer=answer)


def _keep_answer(session: Session, patient: Patient, answer: str | None, now: datetime) -> None:
    """Our answer joins the patient's conversation, so staff read what the patient was told.

    It goes back inside Twilio's answer to the webhook (TwiML), so it has no SID of its own.
    """
    if answer is None:
        return
    session.add(
        Message(
            patient_id=patient.id or 0,
            direction=Direction.outbound,
            phone=patient.phone,
            body=answer,
            steps=ANSWER_STEP,
            language=answers.answer_language(patient.language),
            status=MessageStatus.sent,
            gateway="twiml",
            created_at=now,
            sent_at=now,
            updated_at=now,
        )
    )


def _e164(raw: str, settings: Settings) -> str | None:
    try:
        return to_e164(raw, settings.clinic_phone_region)
    except InvalidInput:
        return None


def _latest_patient(session: Session, phone: str) -> Patient | None:
    return session.exec(
        select(Patient).where(Patient.phone == phone).order_by(col(Patient.id).desc())
    ).first()


def _store_reply(
    session: Session,
    patient: Patient,
    body: str,
    sid: str | None,
    now: datetime,
    **fields: Any,
) -> Message:
    """The patient's words, kept on their record as Twilio delivered them (flushed, so
    the answer can point at its id)."""
    message = Message(
        patient_id=patient.id or 0,
        direction=Direction.inbound,
        phone=patient.phone,
        body=body,
        language=patient.language,
        status=MessageStatus.received,
        gateway="twilio",
        provider_message_id=sid,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(message)
    session.flush()
    return message
