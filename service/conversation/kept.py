"""The conversation as stored: every inbound text as Twilio delivered it, and our answers.

Every text is kept, whoever sent it: a keyword or a confirmation is kept already
handled (no person needs to act on it, but it belongs in the conversation); anything
else waits in the inbox, with no patient when the number is not on file.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.conversation import answers
from service.messaging.models import Direction, Message, MessageStatus
from service.patients.models import Patient

# The `steps` of our answer to a reply, as stored in the patient's messages.
ANSWER_STEP = "answer_to_reply"
# Who "handled" a text that needed no person: the service did what it asked.
CONFIRMED_BY_TEXT = "confirmed the visit by text"
OPTED_OUT_BY_TEXT = "texts stopped by the reply"
OPTED_IN_BY_TEXT = "texts resumed by the reply"
CONSENTED_BY_TEXT = "agreed to texts by the reply"
HELP_ANSWERED = "answered with the clinic's help text"


def store_reply(
    session: Session,
    patient: Patient | None,
    phone: str,
    body: str,
    sid: str | None,
    now: datetime,
    *,
    media_count: int = 0,
    **fields: Any,
) -> Message:
    """The sender's words, kept as Twilio delivered them: on the patient's record, or with
    no patient (the number kept, for a call back). Flushed, so the receipt can point at it."""
    message = Message(
        patient_id=patient.id if patient is not None else None,
        direction=Direction.inbound,
        phone=phone[:16],
        body=body,
        # Nobody knows the language of a number not on file: "" says so.
        language=patient.language if patient is not None else "",
        status=MessageStatus.received,
        gateway="twilio",
        provider_message_id=sid,
        media_count=media_count,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(message)
    session.flush()
    return message


def keep_answer(
    session: Session, patient: Patient | None, answer: str | None, now: datetime
) -> None:
    """Our answer joins the patient's conversation, so staff read what the patient was told.

    It goes back inside Twilio's answer to the webhook (TwiML), so it has no SID of its own.
    A number not on file has no conversation to join; its receipt keeps the answer.
    """
    if answer is None or patient is None:
        return
    session.add(
        Message(
            patient_id=patient.id,
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
