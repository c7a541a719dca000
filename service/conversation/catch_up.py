"""The inbound catch-up: texts Twilio logged while our webhook was down, taken in late.

Twilio retries a failed webhook only briefly; after a longer outage a patient's text is
only in Twilio's message log. The worker reads that log every few minutes from a
high-water mark kept in the database, and feeds each text we have not stored through
`replies.receive_text` (one implementation of every rule), marked recovered: acted on,
never answered automatically (see replies.py).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from service.config import Settings
from service.conversation.inbound_text import sid_key
from service.conversation.models import InboundCatchUp, InboundReceipt
from service.conversation.replies import Outcome, receive_text
from service.conversation.twilio_log import LoggedText, TwilioLogUnreadable, TwilioMessageLog
from service.timeline.active import active_plan

log = logging.getLogger("reminders.catch_up")

# Left to the webhook: Twilio posts within seconds and retries once within ~15 s. Taking a
# text earlier would race a live webhook and leave the patient without our answer.
WEBHOOK_GRACE = timedelta(minutes=2)
# Read again behind the mark: Twilio's clock and ours may differ a little.
CLOCK_OVERLAP = timedelta(minutes=10)
# The first run (no mark yet) looks back this far.
FIRST_LOOK_BACK = timedelta(hours=24)


@dataclass
class CatchUpReport:
    """One run: texts Twilio listed, already kept, taken in now; whether the mark moved."""

    listed: int = 0
    already_kept: int = 0
    recovered: int = 0
    failed: int = 0
    twilio_unreadable: bool = False
    read_through: datetime | None = None
    urgent: list[Outcome] = field(default_factory=list)


def catch_up(
    engine: Engine,
    settings: Settings,
    twilio_log: TwilioMessageLog,
    now: datetime,
    on_urgent: Callable[[Outcome], None] = lambda _: None,
) -> CatchUpReport:
    """Take in every text Twilio has for our number that we have not stored; never raises
    for Twilio being down (the next run tries again from the same mark)."""
    report = CatchUpReport()
    number = twilio_log.number
    mark = _read_mark(engine, number, now)
    try:
        texts, complete = twilio_log.inbound_since(mark - CLOCK_OVERLAP)
    except TwilioLogUnreadable as exc:
        log.warning("catch-up: could not read Twilio's message log (%s); next run retries", exc)
        report.twilio_unreadable = True
        return report
    until = now - WEBHOOK_GRACE
    due = sorted((t for t in texts if t.sent_at < until), key=lambda t: (t.sent_at, t.sid))
    report.listed = len(due)
    with Session(engine, expire_on_commit=False) as session:
        # One worker at a time past here (others wait, then find every SID kept).
        row = session.exec(
            select(InboundCatchUp).where(InboundCatchUp.number == number).with_for_update()
        ).one()
        kept = _kept_sids(session, [t.sid for t in due])
        # The mark never passes a text that could not be kept: the next run reads it again.
        read_through = until
        for text in due:
            if sid_key(text.sid) in kept:
                report.already_kept += 1
                continue
            outcome = _take_in(session, settings, text, now)
            if outcome is None:
                report.failed += 1
                read_through = min(read_through, text.sent_at)
                continue
            if outcome.replay:  # the webhook's retry got there first, just now
                report.already_kept += 1
                continue
            report.recovered += 1
            if outcome.urgent_message_id is not None:
                report.urgent.append(outcome)
        if complete and read_through > row.read_through:
            row.read_through, row.updated_at = read_through, now
            session.add(row)
        report.read_through = row.read_through
        session.commit()
    # After the commit: a page points at a reply that is kept.
    for outcome in report.urgent:
        on_urgent(outcome)
    if report.recovered or report.failed:
        log.warning(
            "catch-up: %s text(s) recovered after an outage, %s failed (retried next run)",
            report.recovered,
            report.failed,
        )
    return report


def _take_in(
    session: Session, settings: Settings, text: LoggedText, now: datetime
) -> Outcome | None:
    """One text through the webhook's path, in a savepoint: a failure loses only itself
    (until the next run), never the others."""
    try:
        with session.begin_nested():
            return receive_text(
                session,
                settings,
                active_plan(settings, session),
                raw_body=text.body,
                raw_from=text.sender,
                raw_sid=text.sid,
                now=now,
                media_count=text.media_count,
                sent_at=text.sent_at,
            )
    except Exception as exc:  # the mark stays put: the next run takes it in
        log.warning("catch-up: a text could not be kept (%s)", type(exc).__name__)
        return None


def _read_mark(engine: Engine, number: str, now: datetime) -> datetime:
    """The high-water mark, created on the first run (insert or nothing: workers agree)."""
    with Session(engine) as session:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = InboundCatchUp.__table__  # type: ignore[attr-defined]
        session.execute(
            insert(table)
            .values(number=number, read_through=now - FIRST_LOOK_BACK, updated_at=now)
            .on_conflict_do_nothing(index_elements=["number"])
        )
        session.commit()
        return session.exec(
            select(InboundCatchUp.read_through).where(InboundCatchUp.number == number)
        ).one()


def _kept_sids(session: Session, sids: list[str]) -> set[str]:
    keys = {key for key in (sid_key(s) for s in sids) if key is not None}
    if not keys:
        return set()
    return set(
        session.exec(select(InboundReceipt.sid).where(col(InboundReceipt.sid).in_(keys))).all()
    )
