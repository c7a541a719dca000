"""A patient's text, taken in: keywords, confirmations, warning signs, and the answer.

One implementation behind the Twilio webhook and the inbound catch-up (texts Twilio
logged while our webhook was down). Every step happens in the caller's transaction,
claimed by the text's MessageSid, so a replayed webhook changes nothing.

A recovered text (`sent_at` given) is acted on but never answered automatically: an
answer hours late, out of the conversation's context, could mislead. STOP and START
still act, an urgent one still pages and goes first in the inbox, and everything but
STOP/START waits in the inbox for a person (a late C confirms no visit: which visit the
patient meant may have passed).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation import answers, receipts
from service.conversation.awaiting_yes import grant_consent, is_consent_word, waiting_patients
from service.conversation.check_in_replies import check_in_reply
from service.conversation.confirmations import ConfirmedVisit, confirm_next_visit
from service.conversation.consent import opt_in, opt_out
from service.conversation.inbound_text import clean_text, sid_key
from service.conversation.kept import (
    CONFIRMED_BY_TEXT,
    CONSENTED_BY_TEXT,
    HELP_ANSWERED,
    OPTED_IN_BY_TEXT,
    OPTED_OUT_BY_TEXT,
    keep_answer,
    store_reply,
)
from service.conversation.keywords import Keyword, is_spanish_keyword, keyword_of, reply_word
from service.conversation.triage import warning_signs
from service.conversation.written_language import written_language
from service.errors import InvalidInput
from service.messaging.masking import mask_phone
from service.messaging.models import Message
from service.optouts.service import REPLIED_STOP, is_opted_out
from service.patients.models import Patient
from service.patients.phone import to_e164
from service.templates.compose import local_date_text, local_time_text
from service.timeline.plan import TimelinePlan

log = logging.getLogger("reminders.replies")


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
    media_count: int = 0,
    sent_at: datetime | None = None,
) -> Outcome:
    """Act on one inbound text, keep it, and return the answer to text back (None: none).
    `sent_at`: the catch-up's recovered text, sent then; see the module docstring."""
    recovered = sent_at is not None
    body = clean_text(raw_body)
    sid = sid_key(raw_sid)
    phone = _e164(clean_text(raw_from), settings)
    # The number as staff must see it to call back, even one that is not E.164.
    sender = phone or clean_text(raw_from).strip()[:16]
    if sid is not None and not receipts.claim(session, sid, phone or "", now):
        log.info("replayed inbound webhook ignored (already acted on)")
        return Outcome(answer=receipts.first_answer(session, sid), replay=True)

    keyword = keyword_of(body)
    patient = _latest_patient(session, phone) if phone else None
    # The language the patient wrote in, when clear, over the one on file.
    language = written_language(body) or (patient.language if patient is not None else None)

    def keep(handled_by: str | None = None, **fields: Any) -> Message:
        # A keyword needs no person, unless a picture came with it: someone must look.
        if handled_by is not None and media_count == 0:
            fields.update(handled_at=now, handled_by=handled_by)
        if recovered:
            fields.update(recovered_at=now)
        return store_reply(
            session, patient, sender, body, sid, sent_at or now, media_count=media_count, **fields
        )

    if phone is not None and is_consent_word(body) and waiting_patients(session, phone):
        # A feed enrolled this number's patient and asked for YES: this is the answer.
        if is_opted_out(session, phone):
            opt_in(session, phone, reply_word(body), now, plan)
        resumed = grant_consent(session, phone, now, plan)
        log.info("consent by reply from %s: %s reminder(s) resume", mask_phone(phone), resumed)
        # Twilio answers YES itself (a carrier opt-in word); SI / SÍ it does not know.
        spanish = reply_word(body) != "YES" and not recovered
        answer = answers.spanish_start_answer(settings) if spanish else None
        return _keyword_kept(session, sid, "consent", answer, keep(CONSENTED_BY_TEXT), patient, now)
    if keyword is Keyword.stop:
        answer = None
        if phone is not None:
            skipped = opt_out(session, phone, reply_word(body), now, REPLIED_STOP)
            log.info("opt-out by reply from %s: %s reminder(s) skipped", mask_phone(phone), skipped)
            # Twilio confirms its own keywords (a second text would be a double); it
            # knows nothing of ALTO, PARAR or DETENER, so those we confirm.
            spanish = is_spanish_keyword(body) and not recovered
            answer = answers.spanish_stop_answer(settings) if spanish else None
        return _keyword_kept(session, sid, "stop", answer, keep(OPTED_OUT_BY_TEXT), patient, now)
    if keyword is Keyword.start:
        answer = None
        if phone is not None:
            resumed = opt_in(session, phone, reply_word(body), now, plan)
            log.info("opt-in by reply from %s: %s reminder(s) resume", mask_phone(phone), resumed)
            spanish = is_spanish_keyword(body) and not recovered
            answer = answers.spanish_start_answer(settings) if spanish else None
        return _keyword_kept(session, sid, "start", answer, keep(OPTED_IN_BY_TEXT), patient, now)
    if keyword is Keyword.help and not recovered:
        answer = answers.help_answer(settings, language or "en")
        return _keyword_kept(session, sid, "help", answer, keep(HELP_ANSWERED), patient, now)

    signs = warning_signs(body)
    urgent = bool(signs)
    if keyword is None and patient is not None:
        # An answer to a check-in question (or, once, a text that was not one).
        quiet = recovered or (phone is not None and is_opted_out(session, phone))
        taken = check_in_reply(session, settings, plan, patient, body, sid, signs, quiet, now, keep)
        if taken is not None:
            answer, message = taken
            if not message.urgent:
                return Outcome(answer=answer)
            return Outcome(
                answer=answer,
                urgent_message_id=message.id,
                urgent_patient_id=message.patient_id,
                urgent_received_at=sent_at or now,
            )
    if keyword is Keyword.confirm and patient and not (urgent or media_count or recovered):
        confirmed = confirm_next_visit(session, patient.phone, now)
        if confirmed is not None:
            return _visit_confirmed(session, settings, confirmed, body, sid, now)

    reschedule = keyword is Keyword.reschedule
    message = keep(urgent=urgent, reschedule_request=reschedule)
    stopped = phone is not None and is_opted_out(session, phone)
    answer, kind = (None, None)
    if not recovered:
        answer, kind = _answer(session, settings, phone, language, signs, reschedule, stopped, now)
    action = "reply" if patient is not None else "unknown_number"
    receipts.record(session, sid, action, answer, kind, message.id)
    keep_answer(session, patient, answer, now)
    log.info(
        "reply stored message_id=%s patient_id=%s from=%s urgent=%s reschedule=%s media=%s"
        " answered=%s recovered=%s",
        message.id,
        message.patient_id,
        mask_phone(sender) if patient is None else "patient's phone",
        urgent,
        reschedule,
        media_count,
        answer is not None,
        recovered,
    )
    if not urgent:
        return Outcome(answer=answer)
    return Outcome(
        answer=answer,
        urgent_message_id=message.id,
        urgent_patient_id=message.patient_id,
        urgent_received_at=sent_at or now,
    )


def _keyword_kept(
    session: Session,
    sid: str | None,
    action: str,
    answer: str | None,
    message: Message,
    patient: Patient | None,
    now: datetime,
) -> Outcome:
    """A keyword, acted on and kept in the conversation already handled, with our answer."""
    receipts.record(session, sid, action, answer, None, message.id)
    keep_answer(session, patient, answer, now)
    return Outcome(answer=answer)


def _answer(
    session: Session,
    settings: Settings,
    phone: str | None,
    language: str | None,
    signs: list[str],
    reschedule: bool,
    stopped: bool,
    now: datetime,
) -> tuple[str | None, str | None]:
    """The urgent answer every time; otherwise one answer per conversation window, and
    none to a number that replied STOP (the reply still waits in the inbox)."""
    if signs:
        return answers.urgent_answer(settings, language, signs), receipts.URGENT
    if stopped:
        return None, None
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
    message = store_reply(
        session,
        patient,
        patient.phone,
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
    keep_answer(session, patient, answer, now)
    log.info("visit confirmed by text appointment_id=%s patient_id=%s", visit.id, patient.id)
    return Outcome(answer=answer)


def _e164(raw: str, settings: Settings) -> str | None:
    try:
        return to_e164(raw, settings.clinic_phone_region)
    except InvalidInput:
        return None


def _latest_patient(session: Session, phone: str) -> Patient | None:
    # A merged record (tombstone) answers for the record it was merged into.
    patient = session.exec(
        select(Patient)
        .where(Patient.phone == phone)
        .order_by(col(Patient.merged_into_id).is_not(None), col(Patient.id).desc())
    ).first()
    if patient is not None and patient.merged_into_id is not None:
        return session.get(Patient, patient.merged_into_id)
    return patient
