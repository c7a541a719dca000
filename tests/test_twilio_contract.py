"""The Twilio gateway speaks Twilio's published API: requests go to Prism serving
Twilio's OpenAPI spec, which rejects anything the spec does not allow."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from twilio.base import values
from twilio.base.exceptions import TwilioRestException

from service.delivery.gateway import OutgoingText, SendFailed
from service.delivery.twilio_gateway import TwilioGateway, make_twilio_client
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
