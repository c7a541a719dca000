"""At DEBUG, through a whole patient's story, no log line carries a full phone number, a
name or the words of a text: what an operator's terminal or log shipper would see."""

import io
import logging
import re

import pytest
from fastapi.testclient import TestClient

from service.delivery.dispatch import Dispatcher
from service.delivery.gateways import status_callback_url
from service.delivery.twilio_gateway import TwilioGateway
from service.logging import configure_logging
from service.timeline.active import default_plan
from tests.conftest import book, enroll, new_york
from tests.fakes.fake_twilio import FakeTwilio, post_delivery_receipt
from tests.support.apps import bound_app
from tests.support.twilio_webhooks import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CLINIC_NUMBER,
    PUBLIC_BASE_URL,
    post_inbound,
    twilio_settings,
)

GIVEN, FAMILY = "Philippa", "Vandersloot"
PHONE = "+12125550187"
REPLY = "my incision is oozing and I have a fever of 101"


@pytest.fixture
def debug_log():
    """The service's own log configuration at DEBUG, writing to a buffer."""
    buffer = io.StringIO()
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    configure_logging(level="DEBUG", stream=buffer)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def test_a_whole_story_at_debug_logs_no_phone_name_or_words(
    database_url, engine, clock, staff, debug_log
):
    with FakeTwilio() as fake:
        settings = twilio_settings(database_url, twilio_api_base_url=fake.base_url)
        app = bound_app(settings, engine, clock)
        gateway = TwilioGateway(
            ACCOUNT_SID,
            AUTH_TOKEN,
            None,
            CLINIC_NUMBER,
            api_base_url=fake.base_url,
            max_per_second=1000.0,
            timeout_seconds=5.0,
        )
        worker = Dispatcher(
            engine,
            gateway,
            settings,
            plan=lambda: default_plan(settings),
            worker_id="worker-logs",
            status_callback_url=status_callback_url(settings),
        )
        with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
            patient = enroll(
                client, staff, given_name=GIVEN, family_name=FAMILY, phone="(212) 555-0187"
            )
            book(client, staff, patient["id"], "2027-03-16T07:00:00")
            assert worker.run_once(new_york("2027-03-09T09:00:00")).sent == 1
            sent_text = fake.requests[0].form["Body"]
            post_delivery_receipt(
                "/v1/twilio/status",
                message_sid=str(fake.created[0]["sid"]),
                status="delivered",
                to=PHONE,
                account_sid=ACCOUNT_SID,
                auth_token=AUTH_TOKEN,
                client=client,
            )
            assert post_inbound(client, REPLY, PHONE).status_code == 200
            assert post_inbound(client, "STOP", PHONE).status_code == 200
            client.get("/v1/patients", params={"phone": "+1 212-555-0187"}, headers=staff)
            client.get(f"/v1/patients/{patient['id']}/messages", headers=staff)
            client.get("/v1/alerts", headers=staff)
            # A bad enrollment's error names the field; its log line must not echo the number.
            client.post(
                "/v1/patients",
                json={"given_name": GIVEN, "family_name": FAMILY, "phone": "+1 900 234 5678",
                      "sms_consent": True},
                headers=staff,
            )  # fmt: skip

    lines = debug_log.getvalue().splitlines()
    assert len(lines) > 20, "the flow should have logged (DEBUG is on)"
    assert any("DEBUG" in line for line in lines)
    assert any("/v1/twilio/inbound" in line for line in lines)  # the access log is there
    digits = re.compile(r"\d")
    forbidden = [
        GIVEN,
        FAMILY,
        "2125550187",
        "212-555-0187",
        "555-0187",
        "9002345678",
        REPLY,
        "oozing",
        sent_text[:40],
        sent_text[-40:],
    ]
    for line in lines:
        for word in forbidden:
            assert word not in line, f"{word!r} leaked in: {line}"
        # Any run of 7+ digits once separators are dropped would be a dialable number
        # (the timestamp at the start of each line is skipped).
        message = line.split(" ", 3)[-1]
        # Twilio's SIDs are random hex and may hold a run of digits; they name no one.
        message = re.sub(r"\b(?:SM|MM|AC|MG)[0-9a-f*]{8,34}\b", "<sid>", message)
        # The access log's status and duration ("200 1695.5ms") on a slow machine.
        message = re.sub(r"\b\d{3} \d+(?:\.\d+)?ms\b", "<status duration>", message)
        for run in re.findall(r"[\d\s().+-]{7,}", message):
            assert len(digits.findall(run)) < 8 or re.fullmatch(
                r"[\s\d:.-]*\d{4}-\d{2}-\d{2}[\s\d:.+-]*", run
            ), f"a number leaked in: {line}"
