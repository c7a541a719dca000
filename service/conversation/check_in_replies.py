"""A reply to an open check-in question: the answer recorded and acknowledged, the next
question sent; or, when the text is not an answer, the question's short form once.

Keywords were handled before this (STOP, HELP, C, YES keep their meaning). A warning
sign inside an answer ("8 and I can't pee") is recorded and triaged urgent too. An answer
that calls a person (service/checkins/escalation.py) waits first in the inbox with its
reason, is listed at /v1/alerts and pages on-call like a warning sign; so does a pain
answer above the scale ("11/10", "off the charts"), which records no number.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.checkins import service as check_ins
from service.checkins.questions import noted_text
from service.checkins.repository import AskedQuestion
from service.config import Settings
from service.conversation import answers, receipts
from service.conversation.kept import keep_answer
from service.messaging.models import Message
from service.patients.models import Patient
from service.procedures.service import load_procedure
from service.procedures.wording import compose_steps
from service.timeline.plan import TimelinePlan, question_reminder_step

RECORDED = "recorded as a check-in answer"


def check_in_reply(
    session: Session,
    settings: Settings,
    plan: TimelinePlan,
    patient: Patient,
    body: str,
    sid: str | None,
    signs: Sequence[str],
    quiet: bool,
    now: datetime,
    keep: Callable[..., Message],
) -> tuple[str | None, Message] | None:
    """(our answer, the stored reply), or None when no open question takes this text.
    `quiet`: recovered after an outage, or from a number that replied STOP: no answer
    but the urgent one."""
    assert patient.id is not None
    urgent = bool(signs)
    asked = check_ins.open_question(session, settings, patient.id, now)
    if asked is None:
        return None
    reading = check_ins.read(session, asked, body)
    lang = answers.answer_language(patient.language)
    if reading is None:
        above = check_ins.above_scale(session, asked, body)
        if above is not None:
            return _above_scale(
                session, settings, asked, patient, above, sid, signs, quiet, now, keep
            )
        row = check_ins.answer_row(session, asked, now)
        if row.asked_again_at is not None or urgent:
            # Asked again once already, or a warning sign: an ordinary reply from here on.
            return None
        message = keep(procedure_id=asked.procedure_id)
        row.reply_message_id = row.reply_message_id or message.id
        answer: str | None = None
        if not quiet:
            procedure, _ = load_procedure(session, asked.procedure_id)
            step = question_reminder_step(asked.question)
            answer = compose_steps(session, procedure, patient, plan, settings, [step]).body
            row.asked_again_at = now
        session.add(row)
        _answered(session, sid, "check_in", answer, False, message, patient, now)
        return answer, message
    recorded = check_ins.record_answer(session, settings, asked, reading, None, now)
    escalated = recorded.escalation is not None
    # Only a bare number needs nobody; other words (or a bad answer) wait for a person.
    needs_person = urgent or escalated or not reading.plain
    fields: dict[str, Any] = {"urgent": urgent or escalated, "procedure_id": asked.procedure_id}
    if escalated:
        fields["urgent_reason"] = recorded.escalation
    message = keep(handled_by=None if needs_person else RECORDED, **fields)
    recorded.row.reply_message_id = message.id
    session.add(recorded.row)
    check_ins.send_next_question(session, plan, asked, ZoneInfo(patient.timezone), now)
    answer = None
    if not quiet:
        asked_now = check_ins.question_asked(session, asked)
        noted = noted_text(asked_now, reading.low, reading.high, lang)
        answer = answers.check_in_noted(settings, lang, noted, escalated, signs)
    _answered(session, sid, "check_in", answer, urgent or escalated, message, patient, now)
    return answer, message


def _above_scale(
    session: Session,
    settings: Settings,
    asked: AskedQuestion,
    patient: Patient,
    reason: str,
    sid: str | None,
    signs: Sequence[str],
    quiet: bool,
    now: datetime,
    keep: Callable[..., Message],
) -> tuple[str | None, Message]:
    """A pain answer above the scale ("11/10", "off the charts"): no number is recorded
    (the question stays open for one), but the reply waits in the inbox as urgent with
    the reason, and pages on-call."""
    message = keep(urgent=True, urgent_reason=reason, procedure_id=asked.procedure_id)
    row = check_ins.answer_row(session, asked, now)
    row.reply_message_id = row.reply_message_id or message.id
    session.add(row)
    lang = answers.answer_language(patient.language)
    answer = None if quiet else answers.check_in_above_scale(settings, lang, signs)
    _answered(session, sid, "check_in", answer, True, message, patient, now)
    return answer, message


def _answered(
    session: Session,
    sid: str | None,
    action: str,
    answer: str | None,
    urgent: bool,
    message: Message,
    patient: Patient,
    now: datetime,
) -> None:
    kind = receipts.URGENT if urgent else None
    receipts.record(session, sid, action, answer, kind if answer else None, message.id)
    keep_answer(session, patient, answer, now)
