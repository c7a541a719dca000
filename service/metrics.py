"""Prometheus metrics read from the database at scrape time, so every API replica agrees.

What a clinic's on-call wants to page on: reminders overdue (the worker is down or
behind), and how many texts failed.
"""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, Engine, func
from sqlmodel import Session, col, select

from service.procedures.models import Reminder, ReminderStatus


class ReminderCollector(Collector):
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        # Counts bounded by what they count, not by history: each scrape reads the live
        # reminders (pending, failed) through their partial indexes and the day's settled
        # ones through (status, due_at); no group-by over every reminder ever planned.
        live = GaugeMetricFamily(
            "reminders", "Reminders waiting to go out or failed, by status", labels=["status"]
        )
        day = GaugeMetricFamily(
            "reminders_last_day",
            "Reminders due in the last 24 hours, by status (sent, skipped, cancelled...)",
            labels=["status"],
        )
        with Session(self.engine) as session:
            live_counts = {
                status: _count(session, col(Reminder.status) == status)
                for status in (ReminderStatus.pending, ReminderStatus.failed)
            }
            day_counts = {
                status: _count(
                    session,
                    col(Reminder.status) == status,
                    col(Reminder.due_at) >= now - timedelta(hours=24),
                    col(Reminder.due_at) < now,
                )
                for status in ReminderStatus
            }
            oldest = session.exec(
                select(func.min(Reminder.next_attempt_at)).where(
                    Reminder.status == ReminderStatus.pending,
                    col(Reminder.next_attempt_at) <= now,
                )
            ).one()
        for status, count in live_counts.items():
            live.add_metric([status.value], count)
        yield live
        for status, count in day_counts.items():
            day.add_metric([status.value], count)
        yield day
        overdue = GaugeMetricFamily(
            "reminders_oldest_due_seconds",
            "Age of the oldest pending reminder that is due (0 when none): the worker's lag",
        )
        if oldest is not None:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            overdue.add_metric([], max(0.0, (now - oldest_at).total_seconds()))
        else:
            overdue.add_metric([], 0.0)
        yield overdue


class InboxCollector(Collector):
    """Replies waiting for a person: how many, and how long the oldest has waited."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        from service.conversation.inbox import recovered_count, unhandled_summary

        now = self.clock()
        with Session(self.engine) as session:
            count, oldest = unhandled_summary(session)
            recovered = recovered_count(session)
        yield GaugeMetricFamily("replies_unhandled", "Patients' replies nobody has handled", count)
        age = 0.0
        if oldest is not None:
            oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            age = max(0.0, (now - oldest_at).total_seconds())
        yield GaugeMetricFamily(
            "replies_oldest_unhandled_seconds",
            "Age of the oldest unhandled reply (0 when none): the lag to page on",
            age,
        )
        yield GaugeMetricFamily(
            "replies_recovered",
            "Replies the inbound catch-up took from Twilio's log after our webhook missed them",
            recovered,
        )


class IntakeCollector(Collector):
    """Feed messages by type and result: applied, ignored (not ours), refused."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        from service.intake.log import counts_by_type

        family = GaugeMetricFamily(
            "hl7_messages",
            "HL7 messages received, by type and result (applied, ignored, refused)",
            labels=["type", "result"],
        )
        with Session(self.engine) as session:
            counts = counts_by_type(session)
        for row in counts:
            family.add_metric([row.message_type, "applied"], row.applied)
            family.add_metric([row.message_type, "ignored"], row.ignored)
            family.add_metric([row.message_type, "refused"], row.refused)
        yield family


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    return int(session.exec(select(func.count()).select_from(Reminder).where(*conditions)).one())


def render_metrics(engine: Engine, clock: Callable[[], datetime]) -> bytes:
    registry = CollectorRegistry()
    registry.register(ReminderCollector(engine, clock))
    registry.register(InboxCollector(engine, clock))
    registry.register(IntakeCollector(engine))
    return generate_latest(registry)
