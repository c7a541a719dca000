"""Helpers for posting to our Twilio webhooks the way Twilio does, signed or not."""

from urllib.parse import urlencode

import httpx
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from service.config import Settings

ACCOUNT_SID = "AC" + "a" * 32
AUTH_TOKEN = "test-twilio-auth-token"
CLINIC_NUMBER = "+15005550006"
PUBLIC_BASE_URL = "https://reminders.example.org"
INBOUND_URL = PUBLIC_BASE_URL + "/v1/twilio/inbound"
STATUS_URL = PUBLIC_BASE_URL + "/v1/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def twilio_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "clinic_name": "Lakeside Spine",
        "clinic_phone": "(555) 201-3344",
        "clinic_timezone": "America/New_York",
        "send_retry_base_seconds": 60,
        "send_max_attempts": 3,
        "sms_gateway": "twilio",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": CLINIC_NUMBER,
        "public_base_url": PUBLIC_BASE_URL,
        "sms_max_per_second": 1000.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def sign(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def inbound_form(body: str, from_: str, sid: str, media: int = 0) -> dict[str, str]:
    form = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "To": CLINIC_NUMBER,
        "MessageSid": sid,
        "SmsSid": sid,
        "NumMedia": str(media),
        "NumSegments": "1",
    }
    for n in range(media):  # an MMS: where Twilio keeps each picture, and its type
        form[f"MediaUrl{n}"] = (
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/ME{n:032x}"
        )
        form[f"MediaContentType{n}"] = "image/jpeg"
    return form


_sids = iter(range(1, 1_000_000))


def post_inbound(
    client: TestClient,
    body: str,
    from_: str,
    *,
    sid: str | None = None,
    signature: str | None = None,
    signed_url: str = INBOUND_URL,
    media: int = 0,
) -> httpx.Response:
    """POST a patient's reply as Twilio would, signed for `signed_url` unless told."""
    form = inbound_form(body, from_, sid or f"SM{next(_sids):032x}", media)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature if signature is not None else sign(signed_url, form),
    }
    return client.post("/v1/twilio/inbound", content=urlencode(form), headers=headers)


def read_inbox(client: TestClient, staff: dict[str, str]) -> list[dict[str, object]]:
    """`GET /v1/inbox` as staff: the replies waiting for a person, urgent first."""
    response = client.get("/v1/inbox", headers=staff)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()
    return items
