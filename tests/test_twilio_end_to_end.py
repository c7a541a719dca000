"""Enrol -> the worker texts through the real TwilioGateway (to a fake Twilio) -> Twilio's
signed receipt -> the patient replies STOP, then START."""

import pytest
from sqlmodel import Session, select

from service.delivery.dispatch import Dispatcher
from service.delivery.gateways import status_callback_url
from service.delivery.twilio_gateway import TwilioGateway
from service.optouts.models import PhoneOptOut
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import book, enroll, new_york
from tests.fakes.fake_twilio import post_delivery_receipt
from tests.support.twilio_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CLINIC_NUMBER,
    STATUS_URL,
    post_inbound,
    twilio_settings,
)

PHONE = "+12125550142"


@pytest.fixture
def tw_settings(database_url, fake):
    return twilio_settings(database_url, twilio_api_base_url=fake.base_url)


@pytest.fixture
def worker(engine, tw_settings, fake):
    gateway = TwilioGateway(
        ACCOUNT_SID,
        AUTH_TOKEN,
        None,
        CLINIC_NUMBER,
        api_base_url=fake.base_url,
        max_per_second=1000.0,
        timeout_seconds=5.0,
    )
    return Dispatcher(
        engine,
        gateway,
        tw_settings,
        plan=lambda: default_plan(tw_settings),
        worker_id="worker-e2e",
        status_callback_url=status_callback_url(tw_settings),
    )


def _reminders(engine, procedure_id):
    with Session(engine) as session:
        return {
            r.step: r
            for r in session.exec(select(Reminder).where(Reminder.procedure_id == procedure_id))
        }


def test_text_receipt_stop_and_start_through_twilio(tw, staff, engine, clock, fake, worker):
    patient = enroll(tw, staff)
    procedure = book(tw, staff, patient["id"], "2027-03-16T07:00:00")

    # The week-before text goes out through Twilio.
    assert worker.run_once(new_york("2027-03-09T09:00:00")).sent == 1
    [request] = fake.requests
    assert request.form["To"] == PHONE
    assert request.form["From"] == CLINIC_NUMBER
    assert request.form["Body"].startswith("Lakeside Spine: Hi Maria.")
    sid = str(fake.created[0]["sid"])
    [message] = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert (message["provider_message_id"], message["status"]) == (sid, "queued")
    # The callback names the attempt, so a receipt can settle it even if the worker died.
    assert request.form["StatusCallback"] == f"{STATUS_URL}?attempt={message['id']}"

    # Twilio's signed receipt: delivered.
    receipt = post_delivery_receipt(
        f"/v1/twilio/status?attempt={message['id']}",
        message_sid=sid,
        status="delivered",
        to=PHONE,
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        client=tw,
    )
    assert receipt.status_code == 200
    [message] = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert message["status"] == "delivered"

    # The patient replies STOP: nothing more goes out.
    clock.now = new_york("2027-03-10T12:00:00")
    assert post_inbound(tw, "Stop", PHONE).status_code == 200
    reminders = _reminders(engine, procedure["id"])
    assert reminders["prep_week"].status == "sent"
    assert reminders["fasting"].status == "skipped"
    assert reminders["fasting"].status_reason == "patient replied STOP"
    assert worker.run_once(new_york("2027-03-15T18:00:00")).claimed == 0
    assert len(fake.requests) == 1

    # START on the morning of the procedure: the recovery texts resume and are sent.
    clock.now = new_york("2027-03-16T09:00:00")
    post_inbound(tw, "START", PHONE)
    reminders = _reminders(engine, procedure["id"])
    assert reminders["fasting"].status == "skipped"  # no longer useful
    assert reminders["day_of_rest"].status == "pending"
    assert worker.run_once(new_york("2027-03-16T12:00:00")).sent == 1
    assert len(fake.requests) == 2
    assert fake.requests[1].form["To"] == PHONE
    assert "lazy day" in fake.requests[1].form["Body"]
    assert _reminders(engine, procedure["id"])["day_of_rest"].status == "sent"


def test_a_carrier_opt_out_21610_stops_the_number(tw, staff, engine, fake, worker):
    patient = enroll(tw, staff)
    procedure = book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    fake.script(status=400, code=21610)

    report = worker.run_once(new_york("2027-03-09T09:00:00"))
    assert (report.sent, report.retried, report.skipped) == (0, 0, 1)
    prep = _reminders(engine, procedure["id"])["prep_week"]
    assert prep.status == "skipped"
    assert prep.status_reason == "the carrier reports the patient replied STOP"
    with Session(engine) as session:
        state = session.get(PhoneOptOut, PHONE)
        assert state is not None and state.opted_out and state.keyword == "21610"
    shown = tw.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert shown["opted_out"] is True
    [message] = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert (message["status"], message["error_code"]) == ("failed", "21610")

    # No retry, and the later reminders are skipped without calling Twilio.
    later = worker.run_once(new_york("2027-03-15T18:00:00"))
    assert (later.sent, later.skipped) == (0, later.claimed_rows) and later.skipped >= 1
    assert len(fake.requests) == 1
    fasting = _reminders(engine, procedure["id"])["fasting"]
    assert (fasting.status, fasting.status_reason) == (
        "skipped",
        "the carrier reports the patient replied STOP",
    )
