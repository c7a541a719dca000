"""Prometheus metrics read from the database at scrape time, so every API replica agrees.

What a clinic's on-call wants to page on: reminders overdue (the worker is down or
behind), and how many texts failed.
"""

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from service.procedures.models import Reminder, ReminderStatus


class ReminderCollector(Collector):
    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        by_status = GaugeMetricFamily("reminders", "Reminders by status", labels=["status"])
        with Session(self.engine) as session:
            counts = dict(
                session.exec(
                    select(Reminder.status, func.count()).group_by(col(Reminder.status))
                ).all()
            )
            oldest = session.exec(
                select(func.min(Reminder.next_attempt_at)).where(
                    Reminder.status == ReminderStatus.pending,
                    col(Reminder.next_attempt_at) <= now,
                )
            ).one()
        for status in ReminderStatus:
            by_status.add_metric([status.value], counts.get(status.value, 0))
        yield by_status
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


def render_metrics(engine: Engine, clock: Callable[[], datetime]) -> bytes:
    registry = CollectorRegistry()
    registry.register(ReminderCollector(engine, clock))
    registry.register(InboxCollector(engine, clock))
    registry.register(IntakeCollector(engine))
    return generate_latest(registry)
