"""Urgent replies: the alerts staff read, and the clinic's webhook told that one arrived.

The outgoing webhook (ALERT_WEBHOOK_URL) carries only ids and the time, never the
patient's words or number: whoever receives it looks the reply up with a staff key.
The route that lists alerts is an adapter (`service.conversation.endpoints`).
"""

import logging
from datetime import datetime

import httpx
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.audit.service import Actor
from service.messaging.models import Message
from service.messaging.repository import urgent_replies

log = logging.getLogger("reminders.alerts")

ALERT_WEBHOOK_TIMEOUT_SECONDS = 3.0


def read_alerts(session: Session, actor: Actor, now: datetime, limit: int) -> list[Message]:
    """The newest urgent replies, with the read audited (each shows a patient's words)."""
    messages = urgent_replies(session, limit)
    record_read(session, actor, Read.alerts, at=now, shown=[m.patient_id for m in messages])
    return messages


def notify_alert_webhook(
    url: str, message_id: int, patient_id: int | None, received_at: datetime
) -> None:
    """POST {alert_id, patient_id, received_at} to `url` (patient_id null for a number not
    on file); failures are logged, never raised."""
    payload = {
        "alert_id": message_id,
        "patient_id": patient_id,
        "received_at": received_at.isoformat(),
    }
    try:
        response = httpx.post(url, json=payload, timeout=ALERT_WEBHOOK_TIMEOUT_SECONDS)
        response.raise_for_status()
    except Exception as exc:
        log.warning(
            "alert webhook failed alert_id=%s patient_id=%s: %s",
            message_id,
            patient_id,
            type(exc).__name__,
        )
        return
    log.info("alert webhook notified alert_id=%s patient_id=%s", message_id, patient_id)
