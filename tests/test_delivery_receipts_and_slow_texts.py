"""A slow text holds up only itself; a receipt settles its text whenever it comes (before
the worker records Twilio's answer, or after that worker died)."""

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from service.delivery.chunk import RoundReport
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import Accepted, OutgoingText
from service.messaging.models import Message
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import book, enroll
from tests.fakes.fake_twilio import new_sid, post_delivery_receipt
from tests.fakes.gateways import RecordingGateway
from tests.support.bulk import NOW, phone_of, reminder_states, seed_due_anywhere
from tests.support.schema import fresh_postgres
from tests.support.twilio_webhooks import AUTH_TOKEN, PUBLIC_BASE_URL, STATUS_URL
from tests.support.worker_process import make_dispatcher

WEEK_BEFORE = datetime(2027, 3, 9, 9, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def _path(callback: str) -> str:
    return callback.removeprefix(PUBLIC_BASE_URL)


class CallsBackAtOnce:
    """Twilio answering so fast that its receipt arrives before our worker records the send."""

    name = "twilio"

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.sids: list[str] = []

    def send(self, text: OutgoingText) -> Accepted:
        sid = new_sid()
        self.sids.append(sid)
        assert text.status_callback is not None
        receipt = post_delivery_receipt(
            _path(text.status_callback),
            message_sid=sid,
            status="delivered",
            to=text.to,
            auth_token=AUTH_TOKEN,
            client=self.client,
        )
        assert receipt.status_code == 200
        return Accepted(provider_message_id=sid, status="queued")

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        return None


def _reminder(engine, procedure_id, step="prep_week"):
    with Session(engine) as session:
        return session.exec(
            select(Reminder).where(Reminder.procedure_id == procedure_id, Reminder.step == step)
        ).one()


def test_a_receipt_that_beats_the_worker_settles_the_right_reminder(
    tw, tw_settings, staff, engine, clock
):
    maria = enroll(tw, staff)
    procedure = book(tw, staff, maria["id"], "2027-03-16T07:00:00")
    clock.now = WEEK_BEFORE
    gateway = CallsBackAtOnce(tw)
    worker = Dispatcher(
        engine,
        gateway,
        tw_settings,
        plan=lambda: default_plan(tw_settings),
        worker_id="fast",
        status_callback_url=STATUS_URL,
    )
    worker.run_once(WEEK_BEFORE)
    worker.close()

    [sid] = gateway.sids
    reminder = _reminder(engine, procedure["id"])
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    with Session(engine) as session:
        [message] = session.exec(select(Message).where(Message.procedure_id == procedure["id"]))
    assert reminder.message_id == message.id
    # The receipt's word stands: the later "queued" answer does not move it back.
    assert (message.provider_message_id, message.status) == (sid, "delivered")


def test_a_receipt_for_a_dead_workers_attempt_settles_it_and_only_the_other_is_resent(
    tw, tw_settings, staff, engine, clock
):
    maria = enroll(tw, staff)
    ana = enroll(tw, staff, given_name="Ana", phone="(212) 555-0199")
    marias = book(tw, staff, maria["id"], "2027-03-16T07:00:00")
    anas = book(tw, staff, ana["id"], "2027-03-16T09:00:00")
    clock.now = WEEK_BEFORE

    # A worker writes both attempts, hands them to Twilio and dies before recording.
    def worker(name, gateway):
        return Dispatcher(
            engine,
            gateway,
            tw_settings,
            plan=lambda: default_plan(tw_settings),
            worker_id=name,
            status_callback_url=STATUS_URL,
        )

    dead = worker("dead", RecordingGateway())
    slots, _ = dead.claim(WEEK_BEFORE)
    with Session(engine) as session:
        texts = dead.preparer.prepare(
            session,
            [s.procedure_id for s in slots],
            WEEK_BEFORE,
            default_plan(tw_settings),
            RoundReport(),
        )
        session.commit()
    [marias_text] = [t for t in texts if t.procedure_id == marias["id"]]

    # Twilio took Maria's text and reports it, naming the attempt in the callback URL.
    sid = new_sid()
    callback = f"/v1/twilio/status?attempt={marias_text.message_id}"
    receipt = post_delivery_receipt(
        callback,
        message_sid=sid,
        status="sent",
        to="+12125550142",
        auth_token=AUTH_TOKEN,
        client=tw,
    )
    assert receipt.status_code == 200
    assert _reminder(engine, marias["id"]).status == "sent"
    assert _reminder(engine, anas["id"]).status == "pending"

    # Once the dead worker's lease ends, the next worker asks about Ana's text (Twilio
    # never got it) and sends it; Maria's is not sent again.
    twilio = RecordingGateway()
    later = WEEK_BEFORE + timedelta(seconds=tw_settings.claim_lease_seconds + 1)
    worker("next", twilio).run_once(later)
    assert [t.to for t in twilio.sent] == ["+12125550199"]
    marias_reminder = _reminder(engine, marias["id"])
    assert (marias_reminder.status, marias_reminder.message_id) == ("sent", marias_text.message_id)
    with Session(engine) as session:
        message = session.get(Message, marias_text.message_id)
    assert (message.provider_message_id, message.status) == (sid, "sent")
    assert _reminder(engine, anas["id"]).status == "sent"


class OneSlowText:
    """Answers at once, except for one patient's text, which takes 5 s (or until let go)."""

    name = "slow"

    def __init__(self, slow_to: str) -> None:
        self.slow_to = slow_to
        self.slow_started = threading.Event()
        self.let_go = threading.Event()

    def send(self, text: OutgoingText) -> Accepted:
        if text.to == self.slow_to:
            self.slow_started.set()
            self.let_go.wait(timeout=5)
        return Accepted(provider_message_id=new_sid())

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        return None


@pytest.mark.postgres
def test_one_slow_text_does_not_hold_up_the_other_63(postgres_url):
    fresh_postgres(postgres_url)
    slow = phone_of(17)
    gateway = OneSlowText(slow)
    worker = make_dispatcher(postgres_url, "w", gateway, concurrency=64, batch=64)
    seed_due_anywhere(worker.engine, 64)
    worker.run_once(NOW, settle=False)
    assert gateway.slow_started.wait(timeout=60)

    def recorded() -> int:
        with worker.engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM reminder WHERE status = 'sent'")
            ).scalar_one()

    deadline = time.monotonic() + 60  # guards against a hang; not a speed assertion
    while recorded() < 63:
        assert time.monotonic() < deadline, "the other texts were not recorded"
        time.sleep(0.01)
    # The 63 are recorded while the slow one is still with the provider.
    assert not gateway.let_go.is_set()
    with worker.engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT r.status, m.status FROM reminder r JOIN message m ON m.id = r.message_id"
                " JOIN patient p ON p.id = r.patient_id WHERE p.phone = :phone"
            ),
            {"phone": slow},
        ).one()
    assert tuple(waiting) == ("pending", "sending")
    gateway.let_go.set()
    worker.wait_idle()
    worker.close()
    assert reminder_states(worker.engine) == {"sent": 64}
    worker.engine.dispose()
