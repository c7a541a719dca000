"""A reschedule or cancel racing a send: once it commits, nothing of the old plan goes out.

The worker holds row locks only while it prepares a text, never while the provider is
called. A reschedule that comes while a text is with the provider does not wait for it:
it counts that text as told (so a correction follows) and the text is recorded as sent
when the provider answers. A send prepared after the reschedule waits for its lock and
finds its claim released. Ordering comes from threading.Event and PostgreSQL's lock
waits, never from sleeping.
"""

import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import Accepted, OutgoingText
from service.patients.models import Patient
from service.procedures import changes
from service.procedures.models import Procedure, Reminder
from service.timeline.active import active_plan, active_plan_for_engine
from tests.conftest import Clock, book, enroll, front_desk, new_york
from tests.support.apps import bound_app
from tests.support.schema import fresh_postgres

pytestmark = pytest.mark.postgres

COMMITTED = "<reschedule committed>"
OLD_DATE = "March 16"


class HoldingGateway:
    """The first send signals `in_send` and holds (locks and all) until `release`."""

    name = "holding"

    def __init__(self) -> None:
        self.log: list[str] = []
        self.in_send = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def mark(self, event: str) -> None:
        with self._lock:
            self.log.append(event)

    def send(self, text: OutgoingText) -> Accepted:
        if not self.in_send.is_set():
            self.in_send.set()
            assert self.release.wait(timeout=60)
        self.mark(text.body)
        return Accepted(provider_message_id=f"held-{len(self.log)}")

    def after_commit(self) -> list[str]:
        return self.log[self.log.index(COMMITTED) + 1 :]


@pytest.fixture
def world(postgres_url):
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=postgres_url,
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
    )
    clock = Clock(datetime(2027, 3, 1, 14, 0, tzinfo=UTC))
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="staff", name="race", now=clock.now)
    headers = {"Authorization": f"Bearer {secret}"}
    with TestClient(bound_app(settings, engine, clock)) as client:
        patient = enroll(client, headers)
        procedure = book(client, headers, patient["id"], "2027-03-16T07:00:00")
        gateway = HoldingGateway()
        dispatcher = Dispatcher(
            engine,
            gateway,
            settings,
            plan=lambda: active_plan_for_engine(settings, engine),
            worker_id="racer",
        )
        yield client, headers, engine, clock, gateway, dispatcher, procedure["id"]
    engine.dispose()


def _wait_for_lock_wait(engine) -> None:
    """Until some backend is blocked on a row lock (a deadline only guards against a hang)."""
    deadline = time.monotonic() + 30
    while True:
        with engine.connect() as conn:
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
        if waiting:
            return
        assert time.monotonic() < deadline, "the racing transaction never blocked"
        time.sleep(0.01)


def _steps(engine, procedure_id):
    with Session(engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.procedure_id == procedure_id))
        return {(r.step, r.occurrence): r.status for r in rows}


def _drain_days(dispatcher: Dispatcher) -> None:
    for moment in (
        "2027-03-09T09:05:00",
        "2027-03-15T18:00:00",
        "2027-03-16T12:00:00",
        "2027-03-17T09:00:00",
        "2027-03-22T18:00:00",
        "2027-03-23T12:00:00",
        "2027-03-24T09:00:00",
    ):
        dispatcher.run_once(new_york(moment))


def _race_the_send(world, change) -> tuple[threading.Thread, list[object]]:
    client, headers, _engine, clock, gateway, dispatcher, procedure_id = world
    due = new_york("2027-03-09T09:00:00")
    clock.now = due
    sender = threading.Thread(target=dispatcher.run_once, args=(due,))
    sender.start()
    assert gateway.in_send.wait(timeout=60)  # the text is with the provider now
    # The change completes while the provider still holds the text: no lock waits for it.
    results: list[object] = [change(client, headers, procedure_id)]
    gateway.mark(COMMITTED)
    gateway.release.set()
    sender.join(timeout=60)
    assert not sender.is_alive()
    return sender, results


def test_a_reschedule_during_a_send_does_not_wait_and_then_nothing_old_goes_out(world):
    _client, _headers, engine, _clock, gateway, dispatcher, procedure_id = world
    _, results = _race_the_send(
        world,
        lambda c, h, pid: (
            c.patch(
                f"/v1/procedures/{pid}", json={"scheduled_at": "2027-03-23T07:00:00"}, headers=h
            ).status_code
        ),
    )
    assert results == [200]
    [in_flight, *_] = gateway.after_commit()
    assert OLD_DATE in in_flight  # the week-before text was with the provider
    _drain_days(dispatcher)
    after = gateway.after_commit()[1:]
    assert after, "the new plan is sent"
    assert all(OLD_DATE not in body for body in after)
    # The reschedule saw that text go out, so it owes (and sends) a correction.
    assert any("moved to" in body and "March 23" in body for body in after)
    assert _steps(engine, procedure_id)[("prep_week", 1)] == "sent"


def test_a_cancel_during_a_send_keeps_the_sent_history_and_stops_the_rest(world):
    _client, _headers, engine, _clock, gateway, dispatcher, procedure_id = world
    _, results = _race_the_send(
        world, lambda c, h, pid: c.post(f"/v1/procedures/{pid}/cancel", headers=h).status_code
    )
    assert results == [200]
    _drain_days(dispatcher)
    after = gateway.after_commit()[1:]
    assert all("lazy day" not in body and "Nothing to eat" not in body for body in after)
    steps = _steps(engine, procedure_id)
    assert steps[("prep_week", 1)] == "sent"  # not overwritten by the cancel
    assert steps[("day_of_rest", 1)] == "cancelled"


def test_a_send_waiting_behind_a_reschedule_finds_its_claim_released(world):
    _client, _headers, engine, clock, gateway, dispatcher, procedure_id = world
    gateway.in_send.set()  # no holding in this one
    due = new_york("2027-03-09T09:00:00")
    clock.now = due
    slots, rows = dispatcher.claim(due)
    assert rows == 2  # the week-before text and the opt-out line riding with it
    with session_scope(engine) as session:
        procedure = session.get(Procedure, procedure_id)
        patient = session.get(Patient, procedure.patient_id)
        changes.reschedule_procedure(
            session,
            procedure,
            patient,
            datetime(2027, 3, 23, 7, 0),
            active_plan(dispatcher.settings, session),
            front_desk(session, due),
            due,
        )
        sender = threading.Thread(target=dispatcher.send_slot, args=(slots[0], due))
        sender.start()
        _wait_for_lock_wait(engine)  # the send waits for the uncommitted reschedule
        gateway.mark(COMMITTED)
    sender.join(timeout=60)
    assert not sender.is_alive()
    assert gateway.after_commit() == []  # the claimed old-plan text was never sent
    _drain_days(dispatcher)
    assert all(OLD_DATE not in body for body in gateway.after_commit())
    assert any("March 23" in body for body in gateway.after_commit())
