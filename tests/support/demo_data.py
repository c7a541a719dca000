"""A small, realistic clinic for the console's stories and screenshots, entered through
the real API (the same services staff use), plus what only the outside world makes: a
failed send, an urgent reply, a worker's heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.auth.keys import create_api_key
from service.db import session_scope
from service.messaging.models import Direction, Message, MessageStatus
from service.procedures.models import Reminder, ReminderStatus
from service.workers.heartbeat import RUNNING, beat

# (given, family, phone, zone, language, local procedure time): "now" is Monday 1 March
# 2027, 9am in New York.
PATIENTS = [
    ("Maria", "Lopez", "(212) 555-0142", "America/New_York", "en", "2027-03-01T13:30:00"),
    ("James", "Carter", "(312) 555-0177", "America/Chicago", "en", "2027-03-02T08:00:00"),
    ("Rosa", "Jiménez", "(213) 555-0199", "America/Los_Angeles", "es", "2027-03-02T10:30:00"),
    ("Wei", "Chen", "(646) 555-0121", "America/New_York", "en", "2027-03-05T07:00:00"),
    ("Helen", "Brooks", "(303) 555-0160", "America/Denver", "en", "2027-03-08T09:00:00"),
]


@dataclass
class Demo:
    patient_ids: dict[str, int]
    procedure_ids: dict[str, int]


def seed_demo(base_url: str, engine: Engine, now: datetime) -> Demo:
    """Enroll and book the demo clinic at `now`; returns ids by family name."""
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="admin", name="demo data", now=now)
    headers = {"Authorization": f"Bearer {secret}"}
    patients: dict[str, int] = {}
    procedures: dict[str, int] = {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as api:
        for given, family, phone, zone, language, when in PATIENTS:
            body = {
                "given_name": given,
                "family_name": family,
                "phone": phone,
                "timezone": zone,
                "language": language,
                "sms_consent": True,
            }
            response = api.post("/v1/patients", json=body)
            response.raise_for_status()
            patients[family] = response.json()["id"]
            booked = api.post(
                f"/v1/patients/{patients[family]}/procedures", json={"scheduled_at": when}
            )
            booked.raise_for_status()
            procedures[family] = booked.json()["id"]
    with session_scope(engine) as session:
        _fail_first_text(session, procedures["Chen"], now)
        _urgent_reply(session, patients["Brooks"], procedures["Brooks"], now)
    beat(engine, "worker-demo-1", now - timedelta(hours=3), now, RUNNING)
    return Demo(patients, procedures)


def _fail_first_text(session: Session, procedure_id: int, now: datetime) -> None:
    reminder = session.exec(
        select(Reminder)
        .where(Reminder.procedure_id == procedure_id)
        .order_by(col(Reminder.due_at))
        .limit(1)
    ).one()
    reminder.status = ReminderStatus.failed
    reminder.status_reason = "carrier: unknown destination handset (30005)"
    reminder.attempts = 3
    reminder.updated_at = now - timedelta(minutes=40)
    session.add(reminder)


def _urgent_reply(session: Session, patient_id: int, procedure_id: int, now: datetime) -> None:
    session.add(
        Message(
            patient_id=patient_id,
            procedure_id=procedure_id,
            direction=Direction.inbound,
            phone="+13035550160",
            body="My leg has gone numb since this morning",
            status=MessageStatus.received,
            urgent=True,
            created_at=now - timedelta(minutes=25),
            updated_at=now - timedelta(minutes=25),
        )
    )
