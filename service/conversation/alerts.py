"""Urgent replies: staff list them, and an optional webhook is told one arrived.

The outgoing webhook (ALERT_WEBHOOK_URL) carries only ids and the time, never the
patient's words or number: whoever receives it looks the reply up with a staff key.
"""

import logging
from datetime import datetime

from fastapi import APIRouter, Query

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.conversation.schemas import AlertPublic
from service.deps import NowDep, SessionDep
from service.messaging.repository import urgent_replies

log = logging.getLogger("reminders.alerts")

ALERT_WEBHOOK_TIMEOUT_SECONDS = 3.0

router = APIRouter(tags=["alerts"])


@router.get("/v1/alerts", response_model=list[AlertPublic])
def list_alerts(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[AlertPublic]:
    """Replies that mention a warning sign (fever, bleeding, ...) or whose check-in answer
    called a person (with the reason), newest first."""
    messages = urgent_replies(session, limit)
    # Each alert shown is a look at that patient's words.
    record_read(session, key.subject, Read.alerts, at=now, shown=[m.patient_id for m in messages])
    return [
        AlertPublic(
            message_id=m.id or 0,
            patient_id=m.patient_id,
            received_at=m.created_at,
            body=m.body,
            reason=m.urgent_reason,
        )
        for m in messages
    ]


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
        import httpx

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
