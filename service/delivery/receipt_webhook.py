"""Twilio's delivery receipts: how far an outbound text got."""

import logging
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlmodel import Session, select

from service.delivery.receipts import carrier_failure
from service.delivery.record import SENT_REMINDERS
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import InvalidInput
from service.messaging.models import Direction, Message, MessageStatus
from service.messaging.twilio_signature import SignedForm, twiml
from service.validation import record_id

log = logging.getLogger("reminders.webhooks")

router = APIRouter(prefix="/v1/twilio", tags=["twilio webhooks"])

# Progress of an outbound text; a receipt never moves a message back down this order.
_PROGRESS = {
    MessageStatus.sending: 0,
    MessageStatus.queued: 1,
    MessageStatus.sent: 2,
    MessageStatus.delivered: 3,
}
_FAILURES = {MessageStatus.undelivered, MessageStatus.failed}


@router.post("/status", response_class=Response)
def delivery_receipt(
    request: Request, form: SignedForm, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Twilio's StatusCallback: how far an outbound text got."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    error_code = (form.get("ErrorCode") or "").strip() or None
    if not sid:
        raise InvalidInput("MessageSid is missing", field="MessageSid")
    message = _attempt(session, request.query_params.get("attempt"), sid)
    if message is None:
        message = session.exec(
            select(Message).where(Message.provider_message_id == sid).with_for_update()
        ).first()
    if message is None or message.direction != Direction.outbound:
        log.info("delivery receipt for an unknown message ignored sid=%s status=%s", sid, status)
        return twiml()
    settled = message.status == MessageStatus.sending
    if settled:
        _settle_attempt(session, message, sid, now)
    if _apply_receipt(message, status, error_code, now) or settled:
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
    return twiml()


def _attempt(session: Session, attempt: str | None, sid: str) -> Message | None:
    """The attempt named in the callback URL (`?attempt=<message id>`), locked, if it is
    this text's: still open, or already recorded under this very sid."""
    attempt_id = record_id(attempt)
    if attempt_id is None:
        return None
    message = session.exec(
        select(Message).where(Message.id == attempt_id).with_for_update()
    ).first()
    if message is None or message.provider_message_id not in (None, sid):
        return None
    return message


def _settle_attempt(session: Session, message: Message, sid: str, now: datetime) -> None:
    """A receipt proves Twilio took the text: settle the attempt as the worker would have,
    whether the worker has not recorded its answer yet or died before it could."""
    assert message.id is not None
    message.provider_message_id = sid
    message.status = MessageStatus.queued
    message.sent_at = message.sent_at or now
    message.updated_at = now
    session.add(message)
    session.flush()
    session.execute(SENT_REMINDERS, {"m_id": message.id, "m_at": now})
    log.info("delivery receipt settled open attempt message_id=%s", message.id)


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
