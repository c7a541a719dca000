"""The API of a running console app, for a story's setup: what an EHR or a script would
do, through the same services the pages use."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import httpx

from service.auth.keys import create_api_key
from service.db import session_scope
from tests.support.console_server import RunningApp
from tests.support.twilio_webhooks import inbound_form, sign

_sids = iter(range(1, 1_000_000))


def api_client(app: RunningApp, now: datetime, role: str = "admin") -> httpx.Client:
    """An httpx client on `app` with a fresh API key of `role`."""
    with session_scope(app.engine) as session:
        _, secret = create_api_key(session, role=role, name=f"story {role} key", now=now)
    return httpx.Client(
        base_url=app.base_url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )


def enroll_and_book(
    api: httpx.Client, given: str, family: str, phone: str, zone: str, when: str, **more: object
) -> tuple[int, int]:
    """(patient id, procedure id) of a consenting patient booked at local time `when`."""
    body = {
        "given_name": given,
        "family_name": family,
        "phone": phone,
        "timezone": zone,
        "sms_consent": True,
        **more,
    }
    patient = api.post("/v1/patients", json=body)
    patient.raise_for_status()
    procedure = api.post(
        f"/v1/patients/{patient.json()['id']}/procedures", json={"scheduled_at": when}
    )
    procedure.raise_for_status()
    return patient.json()["id"], procedure.json()["id"]


def patient_texts(app: RunningApp, body: str, from_: str) -> httpx.Response:
    """A patient's reply posted to the app as Twilio would, signed with the app's token."""
    settings = app.settings
    assert settings.public_base_url and settings.twilio_auth_token
    form = inbound_form(body, from_, f"SM{next(_sids):032x}")
    url = settings.public_base_url.rstrip("/") + "/v1/twilio/inbound"
    signature = sign(url, form, settings.twilio_auth_token)
    return httpx.post(
        app.base_url + "/v1/twilio/inbound",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
        timeout=30,
    )
