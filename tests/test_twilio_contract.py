"""The Twilio gateway speaks Twilio's published API: requests go to Prism serving
Twilio's OpenAPI spec, which rejects anything the spec does not allow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from twilio.base import values
from twilio.base.exceptions import TwilioRestException

from service.conversation.twilio_log import LoggedText, TwilioLogUnreadable, TwilioMessageLog
from service.delivery.gateway import OutgoingText, SendFailed
from service.delivery.twilio_client import make_twilio_client
from service.delivery.twilio_gateway import TwilioGateway
from tests.support.prism import prism_twilio, require_prism

pytestmark = pytest.mark.prism

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "clinic-auth-token"
MESSAGING_SERVICE_SID = "MG" + "fedcba9876543210" * 2
CLINIC_NUMBER = "+15005550006"
DAY_BEFORE_REMINDER = OutgoingText(
    to="+15551234567",
    body="Your MILD procedure is tomorrow at 8:00. Please arrange a ride home.",
    status_callback="https://reminders.example.org/webhooks/twilio/status",
)
MESSAGE_SID = re.compile(r"^SM[0-9a-fA-F]{32}$")


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    require_prism()
    with prism_twilio() as url:
        yield url


def test_reminder_through_the_clinic_messaging_service_is_accepted(prism_url: str) -> None:
    gateway = TwilioGateway(
        ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, None, api_base_url=prism_url
    )

    accepted = gateway.send(DAY_BEFORE_REMINDER)

    assert accepted.provider_message_id is not None
    assert MESSAGE_SID.match(accepted.provider_message_id)
    assert accepted.status == "queued"


def test_reminder_from_the_clinic_number_is_accepted(prism_url: str) -> None:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, None, CLINIC_NUMBER, api_base_url=prism_url)

    accepted = gateway.send(DAY_BEFORE_REMINDER)

    assert accepted.provider_message_id is not None
    assert MESSAGE_SID.match(accepted.provider_message_id)
    assert accepted.status == "queued"


def test_text_without_a_recipient_breaks_twilios_contract(prism_url: str) -> None:
    # Proves Prism checks requests at all: the spec makes `To` required.
    client = make_twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=prism_url)

    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(
            to=values.unset,  # type: ignore[arg-type]
            body="Your MILD procedure is tomorrow.",
            messaging_service_sid=MESSAGING_SERVICE_SID,
        )

    assert raised.value.status == 422


def test_mistyped_messaging_service_sid_is_refused_for_good(prism_url: str) -> None:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, "MG-clinic-main", None, api_base_url=prism_url)

    with pytest.raises(SendFailed) as raised:
        gateway.send(DAY_BEFORE_REMINDER)

    failure = raised.value
    assert (failure.retryable, failure.opted_out, failure.code) == (False, False, "422")
    assert "MessagingServiceSid must match pattern" in failure.message


def test_delivery_receipt_address_that_is_not_a_url_is_refused_for_good(prism_url: str) -> None:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, None, CLINIC_NUMBER, api_base_url=prism_url)
    text = OutgoingText(to="+15551234567", body="Hello", status_callback="webhooks/status")

    with pytest.raises(SendFailed) as raised:
        gateway.send(text)

    assert raised.value.retryable is False
    assert 'StatusCallback must match format "uri"' in raised.value.message


# --- the take-over lookup: list Messages To a number, newest first -----------------------


def test_asking_twilio_about_a_text_a_dead_worker_sent_is_a_valid_list_call(
    prism_url: str,
) -> None:
    # Prism answers a valid list request with the spec's example page (a 422 would come
    # back as SendFailed): its first message is "testing" to +18182008801, sent 2019-05-24.
    gateway = TwilioGateway(
        ACCOUNT_SID, AUTH_TOKEN, MESSAGING_SERVICE_SID, None, api_base_url=prism_url
    )
    attempt_began = datetime(2019, 5, 24, 17, 44, tzinfo=UTC)

    found = gateway.find_accepted(OutgoingText("+18182008801", "testing"), attempt_began)

    assert found is not None
    assert found.provider_message_id == "SMded05904ccb347238880ca9264e8fe1c"
    assert found.status == "sent"


def test_a_text_twilio_does_not_list_is_not_taken_for_sent(prism_url: str) -> None:
    gateway = TwilioGateway(ACCOUNT_SID, AUTH_TOKEN, None, CLINIC_NUMBER, api_base_url=prism_url)
    attempt_began = datetime(2019, 5, 24, 17, 44, tzinfo=UTC)

    assert gateway.find_accepted(DAY_BEFORE_REMINDER, attempt_began) is None
    # Nor a matching body from before the attempt began.
    later = datetime(2019, 6, 1, tzinfo=UTC)
    assert gateway.find_accepted(OutgoingText("+18182008801", "testing"), later) is None


# --- the inbound catch-up: list Messages To our number sent after the mark ---------------


def test_reading_twilios_log_of_texts_to_the_clinic_is_a_valid_list_call(prism_url: str) -> None:
    # Prism answers a valid request (To, DateSent>, PageSize) with the spec's example page:
    # an outbound "testing" and an inbound MMS to +18182008801, with a next page that never
    # ends. Only the inbound one is a patient's text, once, and the page bound stops the
    # reading (the mark stays; the rest waits a run).
    client = make_twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=prism_url)
    twilio_log = TwilioMessageLog(client, "+18182008801")

    texts, complete = twilio_log.inbound_since(datetime(2019, 5, 24, tzinfo=UTC))

    assert texts == [
        LoggedText(
            sid="MMc26223853f8c46b4ab7dfaa6abba0a26",
            sender="+12019235161",
            body="look mom I have media!",
            sent_at=datetime(2019, 5, 24, 17, 44, 49, tzinfo=UTC),
            media_count=3,
        )
    ]
    assert complete is False


def test_texts_to_another_number_or_before_the_mark_are_not_taken(prism_url: str) -> None:
    client = make_twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=prism_url)

    elsewhere, _ = TwilioMessageLog(client, CLINIC_NUMBER).inbound_since(
        datetime(2019, 5, 24, tzinfo=UTC)
    )
    before, _ = TwilioMessageLog(client, "+18182008801").inbound_since(
        datetime(2019, 5, 25, tzinfo=UTC)
    )

    assert (elsewhere, before) == ([], [])


def test_reading_the_log_with_a_mistyped_number_breaks_no_contract_but_is_reported(
    prism_url: str,
) -> None:
    # Bad credentials-shaped account SID: Prism refuses the path, the catch-up hears why.
    client = make_twilio_client("not-an-account", AUTH_TOKEN, api_base_url=prism_url)

    with pytest.raises(TwilioLogUnreadable):
        TwilioMessageLog(client, CLINIC_NUMBER).inbound_since(datetime(2019, 5, 24, tzinfo=UTC))
