"""On-call paging: an urgent reply texts ON_CALL_PHONE "open the inbox", nothing more.

The page carries no patient data (no name, no words, no number) and goes through the
same SMS gateway as every text, at most once per ON_CALL_PAGE_INTERVAL_MINUTES: a
patient texting five worried messages wakes the clinician once, and the inbox holds
all five.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from service.config import Settings
from service.conversation.answers import on_call_notice
from service.conversation.models import OnCallPage
from service.delivery.gateway import OutgoingText, SendFailed, SmsGateway

log = logging.getLogger("reminders.paging")

SENT = "sent"
FAILED = "failed"


def page_on_call(
    engine: Engine,
    gateway: SmsGateway,
    settings: Settings,
    reply_message_id: int,
    now: datetime,
) -> OnCallPage | None:
    """Text the on-call phone unless a page went out within the interval; never raises."""
    if not settings.on_call_phone:
        return None
    try:
        page = _claim_page(engine, settings, reply_message_id, now)
        if page is None:
            log.info("on-call page held back: one went out within the interval")
            return None
        try:
            accepted = gateway.send(OutgoingText(settings.on_call_phone, on_call_notice()))
            page.status, page.provider_message_id = SENT, accepted.provider_message_id
        except SendFailed as failure:
            page.status, page.error_code = FAILED, (failure.code or "error")[:32]
        with Session(engine, expire_on_commit=False) as session:
            session.add(page)
            session.commit()
        log.info("on-call paged status=%s reply_message_id=%s", page.status, reply_message_id)
        return page
    except Exception as exc:  # a failed page must not fail the reply: the inbox has it
        log.warning("on-call page failed: %s", type(exc).__name__)
        return None


def _claim_page(
    engine: Engine, settings: Settings, reply_message_id: int, now: datetime
) -> OnCallPage | None:
    """Record the page about to go out, unless one did within the interval.

    The table lock makes two API processes take turns, so two urgent replies arriving
    together still page once (SQLite serialises writers on its own).
    """
    interval = timedelta(minutes=settings.on_call_page_interval_minutes)
    with Session(engine, expire_on_commit=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("LOCK TABLE on_call_page IN SHARE ROW EXCLUSIVE MODE"))
        last = session.exec(select(func.max(OnCallPage.paged_at))).one()
        if last is not None and _aware(last, now) > now - interval:
            session.rollback()
            return None
        page = OnCallPage(paged_at=now, reply_message_id=reply_message_id, status="sending")
        session.add(page)
        session.commit()
        return page


def _aware(moment: datetime, now: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
