"""Staff's one-off texts go through the delivery engine: the attempt is committed before
the provider hears of it, no transaction is open during the call, and a text whose
sender died after the provider took it is recorded once and never sent again."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from service.conversation.staff_texts import send_staff_text
from service.db import session_scope
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import Accepted, OutgoingText
from service.messaging.models import Message
from service.timeline.active import default_plan
from tests.conftest import enroll, front_desk
from tests.fakes.gateways import RecordingGateway

PHONE = "+12125550142"


class ProcessKilled(BaseException):
    """Stands for SIGKILL: nothing after it in the sending process runs."""


class DiesAfterTheProviderAccepts(RecordingGateway):
    """The provider takes the text, then the process sending it dies before the answer
    is recorded (once: the gateway a later worker uses is the same provider)."""

    def __init__(self) -> None:
        super().__init__(prefix="tw")
        self.kill_next = True

    def send(self, text: OutgoingText) -> Accepted:
        accepted = super().send(text)
        if self.kill_next:
            self.kill_next = False
            raise ProcessKilled
        return accepted


class DiesBeforeTheProviderHearsOfIt(RecordingGateway):
    def send(self, text: OutgoingText) -> Accepted:
        raise ProcessKilled


def _one_off(engine) -> Message:
    with Session(engine) as session:
        [message] = session.exec(select(Message).where(Message.steps == "staff_message")).all()
    return message


def _send_as_the_api_does(engine, settings, gateway, patient_id, clock) -> None:
    # The endpoint's use case, called directly: the "kill" must not cross the test client.
    with session_scope(engine) as session:
        key = front_desk(session, clock.now)
    send_staff_text(engine, settings, gateway, patient_id, "Call us at 2pm", key, clock.now)


def _worker_round(engine, settings, gateway, now):
    dispatcher = Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id="w2"
    )
    try:
        return dispatcher.run_once(now)
    finally:
        dispatcher.close()


@pytest.fixture
def sms_gateway(request):
    # A fresh provider per test (and per database): `indirect` parametrizing names its kind.
    return getattr(request, "param", DiesAfterTheProviderAccepts)()


def test_a_text_sent_as_the_api_died_is_recorded_once_and_never_sent_again(
    tw, staff, engine, tw_settings, sms_gateway, clock
):
    patient = enroll(tw, staff)
    with pytest.raises(ProcessKilled):
        _send_as_the_api_does(engine, tw_settings, sms_gateway, patient["id"], clock)
    # The attempt was committed before the provider was called: the text is on record.
    attempt = _one_off(engine)
    assert attempt.status == "sending" and len(sms_gateway.sent) == 1
    # A worker round inside the lease leaves a possibly live send alone.
    _worker_round(engine, tw_settings, sms_gateway, clock.now + timedelta(seconds=5))
    assert _one_off(engine).status == "sending"
    # Once the lease is over, the provider is asked: it has the text, so it is recorded.
    later = clock.now + timedelta(seconds=tw_settings.claim_lease_seconds + 5)
    _worker_round(engine, tw_settings, sms_gateway, later)
    settled = _one_off(engine)
    assert settled.status == "sent" and settled.provider_message_id == "tw-1"
    assert len(sms_gateway.sent) == 1  # never sent twice
    _worker_round(engine, tw_settings, sms_gateway, later + timedelta(minutes=5))
    assert len(sms_gateway.sent) == 1
    [shown] = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert shown["status"] == "sent"


@pytest.mark.parametrize("sms_gateway", [DiesBeforeTheProviderHearsOfIt], indirect=True)
def test_a_text_the_provider_never_got_is_marked_failed_not_sent_behind_staffs_back(
    tw, staff, engine, tw_settings, sms_gateway, clock
):
    patient = enroll(tw, staff)
    with pytest.raises(ProcessKilled):
        _send_as_the_api_does(engine, tw_settings, sms_gateway, patient["id"], clock)
    later = clock.now + timedelta(seconds=tw_settings.claim_lease_seconds + 5)
    _worker_round(engine, tw_settings, sms_gateway, later)
    failed = _one_off(engine)
    assert failed.status == "failed" and "no record" in (failed.error_message or "")
    assert sms_gateway.sent == []


class HeldAtTheProvider(RecordingGateway):
    """A provider that answers only when the test lets it."""

    def __init__(self) -> None:
        super().__init__(prefix="slow")
        self.calling = threading.Event()
        self.answer = threading.Event()

    def send(self, text: OutgoingText) -> Accepted:
        self.calling.set()
        assert self.answer.wait(20), "the test never let the provider answer"
        return super().send(text)


@pytest.mark.parametrize("sms_gateway", [HeldAtTheProvider], indirect=True)
def test_a_slow_provider_holds_up_no_other_request(tw, staff, sms_gateway):
    patient = enroll(tw, staff)
    answers: dict[str, int] = {}

    def send() -> None:
        answers["send"] = tw.post(
            f"/v1/patients/{patient['id']}/messages", json={"body": "Call us"}, headers=staff
        ).status_code

    sending = threading.Thread(target=send)
    sending.start()
    try:
        assert sms_gateway.calling.wait(20)
        # While the provider holds the text, the database is free: reads and writes pass
        # (on SQLite an open transaction would hold the process's write lock).
        assert tw.get(f"/v1/patients/{patient['id']}", headers=staff).status_code == 200
        assert enroll(tw, staff, given_name="Ana", phone="(212) 555-0143")["id"]
    finally:
        sms_gateway.answer.set()
        sending.join(20)
    assert answers["send"] == 201
