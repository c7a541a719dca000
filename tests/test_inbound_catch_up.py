"""A patient's text is never lost when our webhook was down: the worker reads Twilio's log
(here the fake Twilio) from a mark in the database and takes in what we missed."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session, select

from scheduler.inbound import InboundCatchUpJob
from scheduler.worker import DispatchLoop, build_dispatcher, inbound_catch_up_job, schedule_jobs
from service.conversation import twilio_log as twilio_log_module
from service.conversation.catch_up import catch_up
from service.conversation.models import InboundCatchUp
from service.conversation.twilio_log import message_log
from service.delivery.dispatch import Dispatcher
from service.delivery.gateways import status_callback_url
from service.delivery.twilio_gateway import TwilioGateway
from service.messaging.models import Direction, Message
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import Clock, book, enroll, new_york
from tests.fakes.fake_twilio import FakeTwilio
from tests.support.twilio_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CLINIC_NUMBER,
    post_inbound,
    twilio_settings,
)

PHONE = "+12125550142"
ON_CALL = "+12125550777"


@pytest.fixture
def tw_settings(database_url, fake):
    return twilio_settings(
        database_url, twilio_api_base_url=fake.base_url, on_call_phone="(212) 555-0777"
    )


@pytest.fixture
def gateway(fake):
    return TwilioGateway(
        ACCOUNT_SID,
        AUTH_TOKEN,
        None,
        CLINIC_NUMBER,
        api_base_url=fake.base_url,
        max_per_second=1000.0,
        timeout_seconds=5.0,
    )


@pytest.fixture
def job(engine, tw_settings, gateway, clock):
    twilio_log = message_log(tw_settings)
    assert twilio_log is not None
    return InboundCatchUpJob(engine, tw_settings, twilio_log, gateway, clock=clock)


def _inbound(engine) -> list[Message]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Message).where(Message.direction == Direction.inbound).order_by(Message.id)
            )
        )


def _texts_to(fake: FakeTwilio, phone: str) -> list[str]:
    return [str(m["body"]) for m in fake.created if m["to"] == phone]


def _answers_on_record(engine) -> list[str]:
    """Our answers as the conversation shows them (an answer is never recorded unsent)."""
    with Session(engine) as session:
        return list(
            session.exec(select(Message.body).where(Message.direction == Direction.outbound))
        )


def test_a_text_sent_while_our_webhook_was_down_is_in_the_inbox_after_the_catch_up(
    tw, staff, engine, fake, job, clock: Clock
):
    patient = enroll(tw, staff)
    sent_at = clock.now - timedelta(hours=3)  # the webhook answered 503 then
    fake.receive("Can I take a shower tomorrow?", PHONE, CLINIC_NUMBER, sent_at)

    report = job()

    assert report is not None and (report.listed, report.recovered) == (1, 1)
    [reply] = tw.get("/v1/inbox", headers=staff).json()
    assert reply["patient_id"] == patient["id"]
    assert reply["body"] == "Can I take a shower tomorrow?"
    assert reply["recovered_after_outage"] is True
    assert datetime.fromisoformat(reply["received_at"]) == sent_at
    # Hours late, no automatic answer: a person at the clinic calls back.
    assert _texts_to(fake, PHONE) == []
    assert _answers_on_record(engine) == []
    assert "replies_recovered 1.0" in tw.get("/metrics").text


def test_a_stop_sent_during_the_outage_stops_the_next_reminder(
    tw, staff, engine, fake, job, clock: Clock, tw_settings, gateway
):
    patient = enroll(tw, staff)
    procedure = book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    fake.receive("STOP", PHONE, CLINIC_NUMBER, new_york("2027-03-10T12:00:00"))
    clock.now = new_york("2027-03-10T15:00:00")

    assert job().recovered == 1  # type: ignore[union-attr]

    dispatcher = Dispatcher(
        engine,
        gateway,
        tw_settings,
        plan=lambda: default_plan(tw_settings),
        worker_id="worker-catch-up",
        status_callback_url=status_callback_url(tw_settings),
    )
    assert dispatcher.run_once(new_york("2027-03-15T18:00:00")).claimed == 0
    with Session(engine) as session:
        fasting = session.exec(
            select(Reminder).where(
                Reminder.procedure_id == procedure["id"], Reminder.step == "fasting"
            )
        ).one()
    assert (fasting.status, fasting.status_reason) == ("skipped", "patient replied STOP")
    assert _texts_to(fake, PHONE) == []
    [stop] = _inbound(engine)
    assert stop.handled_by == "texts stopped by the reply" and stop.recovered_at is not None


def test_a_text_already_received_through_the_webhook_is_not_stored_twice(
    tw, staff, engine, fake, job, clock: Clock
):
    enroll(tw, staff)
    sid = fake.receive("Feeling fine today", PHONE, CLINIC_NUMBER, clock.now)
    assert post_inbound(tw, "Feeling fine today", PHONE, sid=sid).status_code == 200
    clock.advance(minutes=10)

    report = job()

    assert report is not None and (report.already_kept, report.recovered) == (1, 0)
    [kept] = _inbound(engine)
    assert kept.provider_message_id == sid and kept.recovered_at is None


def test_twilio_down_during_the_catch_up_loses_nothing(tw, staff, engine, fake, job, clock):
    enroll(tw, staff)
    fake.receive("When can I drive again?", PHONE, CLINIC_NUMBER, clock.now - timedelta(hours=1))
    with Session(engine) as session:
        assert session.exec(select(InboundCatchUp)).first() is None
    fake.fail_lists(503)

    down = job()  # logged, never raised: the worker carries on

    assert down is not None and down.twilio_unreadable and _inbound(engine) == []
    with Session(engine) as session:
        mark = session.exec(select(InboundCatchUp)).one().read_through
    clock.advance(minutes=5)
    back = job()
    assert back is not None and back.recovered == 1
    assert [m.body for m in _inbound(engine)] == ["When can I drive again?"]
    with Session(engine) as session:
        assert session.exec(select(InboundCatchUp)).one().read_through > mark


def test_an_urgent_text_from_the_outage_pages_on_call_and_goes_first(
    tw, staff, engine, fake, job, clock
):
    enroll(tw, staff)
    fake.receive("Any news on my visit?", PHONE, CLINIC_NUMBER, clock.now - timedelta(hours=2))
    fake.receive(
        "I have a fever of 101 and the wound is red",
        PHONE,
        CLINIC_NUMBER,
        clock.now - timedelta(hours=1),
    )

    assert job().recovered == 2  # type: ignore[union-attr]

    inbox = tw.get("/v1/inbox", headers=staff).json()
    assert [r["urgent"] for r in inbox] == [True, False]
    assert all(r["recovered_after_outage"] for r in inbox)
    assert _texts_to(fake, ON_CALL) == ["Urgent patient reply waiting: open the inbox."]
    assert _texts_to(fake, PHONE) == []  # no "call 911 now" hours late: on-call calls
    assert _answers_on_record(engine) == []


def test_help_or_c_sent_during_the_outage_waits_for_a_person(tw, staff, engine, fake, job, clock):
    enroll(tw, staff)
    fake.receive("HELP", PHONE, CLINIC_NUMBER, clock.now - timedelta(hours=2))
    fake.receive("C", PHONE, CLINIC_NUMBER, clock.now - timedelta(hours=1))

    job()

    assert [r["body"] for r in tw.get("/v1/inbox", headers=staff).json()] == ["HELP", "C"]
    assert _texts_to(fake, PHONE) == []
    assert _answers_on_record(engine) == []


def test_a_text_that_just_arrived_is_left_to_the_webhook(tw, staff, engine, fake, job, clock):
    fake.receive("On my way", PHONE, CLINIC_NUMBER, clock.now - timedelta(seconds=30))

    report = job()

    assert report is not None and (report.listed, report.recovered) == (0, 0)
    assert _inbound(engine) == []
    clock.advance(minutes=5)
    assert job().recovered == 1  # type: ignore[union-attr]


def test_a_long_outage_is_read_page_by_page(
    tw, staff, engine, fake, job, clock, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(twilio_log_module, "PAGE_SIZE", 2)
    for n in range(5):
        fake.receive(f"question {n}", PHONE, CLINIC_NUMBER, clock.now - timedelta(minutes=50 - n))

    assert job().recovered == 5  # type: ignore[union-attr]

    assert [m.body for m in _inbound(engine)] == [f"question {n}" for n in range(5)]
    lists = [r for r in fake.requests if r.method == "GET"]
    assert len(lists) == 3


def test_the_page_bound_leaves_the_rest_for_the_next_run(
    tw, staff, engine, fake, job, clock, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(twilio_log_module, "PAGE_SIZE", 2)
    monkeypatch.setattr(twilio_log_module, "MAX_PAGES", 1)
    for n in range(3):
        fake.receive(f"question {n}", PHONE, CLINIC_NUMBER, clock.now - timedelta(minutes=50 - n))

    first = job()
    assert first is not None and first.recovered == 2
    with Session(engine) as session:
        assert session.exec(select(InboundCatchUp)).one().read_through < clock.now - timedelta(
            hours=1
        )
    # The newest page came first; the mark stayed, so the oldest is read next time.
    monkeypatch.setattr(twilio_log_module, "MAX_PAGES", 5)
    assert job().recovered == 1  # type: ignore[union-attr]
    assert sorted(m.body for m in _inbound(engine)) == [f"question {n}" for n in range(3)]


def test_two_workers_catching_up_at_once_keep_each_text_once(
    tw, staff, engine, fake, tw_settings, clock
):
    enroll(tw, staff)
    for n in range(6):
        fake.receive(f"worry {n}", PHONE, CLINIC_NUMBER, clock.now - timedelta(minutes=30 - n))
    logs = [message_log(tw_settings), message_log(tw_settings)]
    start = threading.Barrier(2)
    reports = []

    def worker(n: int) -> None:
        twilio_log = logs[n]
        assert twilio_log is not None
        start.wait()
        reports.append(catch_up(engine, tw_settings, twilio_log, clock.now))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(m.body for m in _inbound(engine)) == [f"worry {n}" for n in range(6)]
    assert sum(r.recovered for r in reports) == 6
    # The other worker either listed all six before the mark moved (and found each kept)
    # or read after it moved (and listed none): either way nothing failed or was doubled.
    assert all(r.failed == 0 and r.listed == r.recovered + r.already_kept for r in reports)
    assert sorted(r.listed for r in reports) in ([0, 6], [6, 6])


def test_with_the_console_gateway_there_is_nothing_to_catch_up(settings, engine):
    assert message_log(settings) is None
    assert inbound_catch_up_job(settings, engine, gateway=None) is None  # type: ignore[arg-type]


def test_the_worker_schedules_the_catch_up_with_twilio(tw_settings, engine, gateway):
    job = inbound_catch_up_job(tw_settings, engine, gateway)
    assert job is not None
    loop = DispatchLoop(build_dispatcher(tw_settings, engine, gateway))
    scheduler = BackgroundScheduler(timezone=UTC)
    schedule_jobs(scheduler, loop, engine, job)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"dispatch", "housekeeping", "inbound_catch_up"}
    assert jobs["inbound_catch_up"].trigger.interval == timedelta(minutes=5)


def test_the_database_down_during_the_catch_up_never_stops_the_worker(
    tw_settings, fake, clock, gateway, tmp_path, caplog: pytest.LogCaptureFixture
):
    from service.db import make_engine

    fake.receive("Is it normal to feel sore?", PHONE, CLINIC_NUMBER, clock.now - timedelta(hours=1))
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'no-tables.db'}")
    twilio_log = message_log(tw_settings)
    assert twilio_log is not None

    assert InboundCatchUpJob(broken, tw_settings, twilio_log, gateway, clock=clock)() is None
    assert "catch-up run failed (OperationalError)" in caplog.text
    assert "sore" not in caplog.text and PHONE not in caplog.text


def test_sending_through_a_messaging_service_reads_the_number_patients_text(
    database_url, fake, engine, gateway
):
    service = {"twilio_from_number": None, "twilio_messaging_service_sid": "MG" + "1" * 32}
    without = twilio_settings(database_url, **service)
    assert message_log(without) is None
    assert inbound_catch_up_job(without, engine, gateway) is None

    with_number = twilio_settings(database_url, **service, twilio_inbound_number=CLINIC_NUMBER)
    twilio_log = message_log(with_number)
    assert twilio_log is not None and twilio_log.number == CLINIC_NUMBER


def test_a_mistyped_inbound_number_or_catch_up_interval_is_refused_by_name():
    from pydantic import ValidationError

    from service.config import Settings

    with pytest.raises(ValidationError, match="twilio_inbound_number"):
        Settings(_env_file=None, twilio_inbound_number="555-0100")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="inbound_catch_up_minutes"):
        Settings(_env_file=None, inbound_catch_up_minutes=0)  # type: ignore[call-arg]


def test_a_text_that_cannot_be_kept_holds_the_mark_back_and_is_taken_next_run(
    tw, staff, engine, fake, job, clock, monkeypatch: pytest.MonkeyPatch
):
    from service.conversation import catch_up as catch_up_module

    enroll(tw, staff)
    first = clock.now - timedelta(minutes=40)
    troubled = clock.now - timedelta(minutes=30)
    fake.receive("first question", PHONE, CLINIC_NUMBER, first)
    fake.receive("second question", PHONE, CLINIC_NUMBER, troubled)
    fake.receive("third question", PHONE, CLINIC_NUMBER, clock.now - timedelta(minutes=20))
    real = catch_up_module.receive_text

    def failing(*args, **kwargs):
        if kwargs["raw_body"] == "second question":
            raise RuntimeError("the disk filled up")
        return real(*args, **kwargs)

    monkeypatch.setattr(catch_up_module, "receive_text", failing)
    report = job()
    assert report is not None and (report.recovered, report.failed) == (2, 1)
    assert report.read_through == troubled
    assert [m.body for m in _inbound(engine)] == ["first question", "third question"]

    monkeypatch.setattr(catch_up_module, "receive_text", real)
    clock.advance(minutes=5)
    again = job()
    assert again is not None and (again.recovered, again.already_kept) == (1, 2)
    assert again.read_through == clock.now - timedelta(minutes=2)
    assert sorted(m.body for m in _inbound(engine)) == [
        "first question",
        "second question",
        "third question",
    ]
