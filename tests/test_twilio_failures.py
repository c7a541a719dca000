"""How the Twilio gateway behaves when Twilio says no, is slow, or is down, against a
local fake Twilio (Prism only knows the happy answer)."""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

import pytest

from service.delivery.gateway import Accepted, OutgoingText, SendFailed
from service.delivery.twilio_gateway import TwilioGateway
from service.messaging.masking import mask_phone, mask_phone_numbers_in
from tests.fakes.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "clinic-auth-token"
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
CLINIC_NUMBER = "+15005550006"
PATIENT_PHONE = "+15551234567"
DELIVERY_RECEIPTS = "https://reminders.example.org/webhooks/twilio/status"
FASTING_REMINDER = OutgoingText(
    to=PATIENT_PHONE,
    body="Reminder: no food after midnight before your MILD procedure tomorrow at 8:00.",
    status_callback=DELIVERY_RECEIPTS,
)


class FakeTime:
    """A clock that only moves when the gateway sleeps; records every sleep."""

    def __init__(self, *, frozen: bool = False) -> None:
        self.now = 1000.0
        self.frozen = frozen
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if not self.frozen:
                self.now += seconds


def longest_backoff(low: float, high: float) -> float:
    """Jitter pinned to the top of its range, so backoffs are exact."""
    return high


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def make_gateway(base_url: str, fake_time: FakeTime, **overrides: Any) -> TwilioGateway:
    settings: dict[str, Any] = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "messaging_service_sid": MESSAGING_SERVICE_SID,
        "from_number": None,
        "api_base_url": base_url,
        "max_per_second": 1000.0,
        "timeout_seconds": 5.0,
        "sleep": fake_time.sleep,
        "clock": fake_time.clock,
        "jitter": longest_backoff,
    }
    settings.update(overrides)
    return TwilioGateway(**settings)


# --- where the text goes and what it carries -----------------------------------------


def test_reminder_goes_to_the_clinic_account_through_the_messaging_service(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    gateway = make_gateway(fake.base_url, fake_time)

    accepted = gateway.send(FASTING_REMINDER)

    assert accepted == Accepted(provider_message_id=fake.created[0]["sid"], status="queued")
    assert str(accepted.provider_message_id).startswith("SM")
    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form == {
        "To": PATIENT_PHONE,
        "Body": FASTING_REMINDER.body,
        "StatusCallback": DELIVERY_RECEIPTS,
        "MessagingServiceSid": MESSAGING_SERVICE_SID,
    }
    assert request.basic_auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert fake_time.sleeps == []


def test_clinic_with_a_plain_number_sends_from_it_and_omits_an_unset_callback(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    gateway = make_gateway(
        fake.base_url, fake_time, messaging_service_sid=None, from_number=CLINIC_NUMBER
    )

    gateway.send(OutgoingText(to=PATIENT_PHONE, body="See you tomorrow at 8:00."))

    [request] = fake.requests
    assert request.form == {
        "To": PATIENT_PHONE,
        "Body": "See you tomorrow at 8:00.",
        "From": CLINIC_NUMBER,
    }


@pytest.mark.parametrize(
    ("messaging_service_sid", "from_number"),
    [(MESSAGING_SERVICE_SID, CLINIC_NUMBER), (None, None), ("", "")],
)
def test_clinic_must_configure_exactly_one_sender(
    messaging_service_sid: str | None, from_number: str | None
) -> None:
    with pytest.raises(ValueError, match="TWILIO_MESSAGING_SERVICE_SID") as raised:
        TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid, from_number)
    assert "TWILIO_FROM_NUMBER" in str(raised.value)


# --- passing faults: retried briefly in the call, then handed to the dispatcher --------


def test_throttled_reminder_is_retried_once_in_the_call_and_accepted(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=429, code=20429)
    gateway = make_gateway(fake.base_url, fake_time)

    accepted = gateway.send(FASTING_REMINDER)

    assert accepted.provider_message_id == fake.created[0]["sid"]
    assert len(fake.requests) == 2
    assert fake_time.sleeps == [0.25]


def test_short_retry_after_from_twilio_is_waited_out_in_the_call(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=429, code=20429, headers={"Retry-After": "1"})
    gateway = make_gateway(fake.base_url, fake_time)

    gateway.send(FASTING_REMINDER)

    assert len(fake.requests) == 2
    assert fake_time.sleeps == [1.0]


def test_long_retry_after_is_handed_back_to_the_dispatcher_without_waiting(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=429, code=20429, headers={"Retry-After": "30"})
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (True, "20429", False)
    assert failure.retry_after_seconds == 30.0
    assert len(fake.requests) == 1
    assert fake_time.sleeps == []


def test_twilio_outage_that_outlasts_the_retries_leaves_the_reminder_retryable(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=500, code=20500, times=3)
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (True, "20500", False)
    assert failure.retry_after_seconds is None
    assert len(fake.requests) == 3
    assert fake_time.sleeps == [0.25, 0.5]


def test_brief_twilio_hiccup_is_absorbed_within_the_call(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=503, code=20503, message="Service unavailable", times=2)
    gateway = make_gateway(fake.base_url, fake_time)

    accepted = gateway.send(FASTING_REMINDER)

    assert accepted.provider_message_id == fake.created[0]["sid"]
    assert len(fake.requests) == 3
    assert fake_time.sleeps == [0.25, 0.5]


def test_twilio_that_does_not_answer_in_time_is_retryable_and_not_sent_twice(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(delay_seconds=30)
    gateway = make_gateway(fake.base_url, fake_time, timeout_seconds=0.5)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (True, "timeout", False)
    # Twilio may have taken the text before going quiet: the call must not send it again.
    assert len(fake.requests) == 1
    assert fake_time.sleeps == []


def test_unreachable_twilio_is_retried_then_left_retryable(fake_time: FakeTime) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    gateway = make_gateway(f"http://127.0.0.1:{closed_port}", fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code) == (True, "connection")
    assert fake_time.sleeps == [0.25, 0.5]


def test_rejected_credentials_keep_the_reminder_for_a_later_round(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=401, code=20003, message="Authenticate")
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    assert (raised.value.retryable, raised.value.code) == (True, "20003")
    assert raised.value.spends_attempt is False  # the clinic's set-up, not the patient's
    assert len(fake.requests) == 1


# --- permanent refusals ----------------------------------------------------------------


def test_number_that_replied_stop_at_the_carrier_is_marked_opted_out(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=400, code=21610, message="Attempt to send to unsubscribed recipient")
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (False, "21610", True)
    assert "Attempt to send to unsubscribed recipient" in failure.message
    assert len(fake.requests) == 1


def test_invalid_patient_number_fails_for_good_with_twilios_reason(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=400, code=21211)  # "The 'To' number +1555... is not a valid ..."
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (False, "21211", False)
    assert failure.message == (
        "Twilio refused the text (HTTP 400, code 21211): "
        "The 'To' number +1******4567 is not a valid phone number."
    )
    assert len(fake.requests) == 1


def test_landline_number_fails_for_good(fake: FakeTwilio, fake_time: FakeTime) -> None:
    fake.script(status=400, code=21614, message="'To' number is not a valid mobile number")
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.code, failure.opted_out) == (False, "21614", False)
    assert "'To' number is not a valid mobile number" in failure.message


def test_any_other_refusal_is_permanent_and_keeps_twilios_code(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    fake.script(status=400, code=21617, message="The concatenated message body exceeds the limit")
    gateway = make_gateway(fake.base_url, fake_time)

    with pytest.raises(SendFailed) as raised:
        gateway.send(FASTING_REMINDER)

    assert (raised.value.retryable, raised.value.code) == (False, "21617")
    assert "exceeds the limit" in raised.value.message


# --- pacing ----------------------------------------------------------------------------


def test_three_reminders_at_one_per_second_are_spaced_a_second_apart(
    fake: FakeTwilio, fake_time: FakeTime
) -> None:
    gateway = make_gateway(fake.base_url, fake_time, max_per_second=1.0)

    for _ in range(3):
        gateway.send(FASTING_REMINDER)

    assert fake_time.sleeps == pytest.approx([1.0, 1.0])
    assert sum(fake_time.sleeps) == pytest.approx(2.0)
    assert len(fake.requests) == 3


def test_dispatcher_threads_sending_at_once_share_one_pace(fake: FakeTwilio) -> None:
    # The clock stands still, so each thread's wait shows the slot it booked.
    frozen = FakeTime(frozen=True)
    gateway = make_gateway(fake.base_url, frozen, max_per_second=1.0)
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def send() -> None:
        start.wait()
        try:
            gateway.send(FASTING_REMINDER)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert failures == []
    assert sorted(frozen.sleeps) == pytest.approx([1.0, 2.0])
    assert len(fake.requests) == 3


# --- privacy ---------------------------------------------------------------------------


def test_logs_never_show_the_patients_full_number_or_the_reminder_text(
    fake: FakeTwilio, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script(status=400, code=21211)
    gateway = make_gateway(fake.base_url, fake_time)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SendFailed):
        gateway.send(FASTING_REMINDER)
    gateway.send(FASTING_REMINDER)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "+1******4567" in logged
    assert PATIENT_PHONE not in logged
    assert "5551234567" not in logged
    assert FASTING_REMINDER.body not in logged


def test_phone_numbers_are_masked_to_country_code_and_last_four_digits() -> None:
    assert mask_phone("+15551234567") == "+1******4567"
    assert mask_phone("+447700900123") == "+44******0123"
    assert mask_phone("555-1234") == "********"
    assert mask_phone_numbers_in("The 'To' number +15551234567 is invalid") == (
        "The 'To' number +1******4567 is invalid"
    )
