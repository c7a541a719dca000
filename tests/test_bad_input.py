"""A typo or a stranger's junk gets a clear 4xx naming the field: never a 500, never stored.

The table below is the audit's list of inputs that once crashed the API or slipped into
the database; each row runs on SQLite and on PostgreSQL (which refuses NUL bytes).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from tests.conftest import Clock
from tests.support.apps import bound_app
from tests.support.schema import copy_sqlite, fresh_postgres

NINE_NINES = "9999-12-31T23:59:59"
NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
# Persian writes some names with a zero-width non-joiner (U+200C): it must stay allowed.
PERSIAN_NAME_WITH_ZWNJ = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


@dataclass
class Clinic:
    client: TestClient
    headers: dict[str, str]
    patient_id: int
    procedure_id: int
    appointment_id: int
    engine: Any

    def rows(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("patient", "procedure", "appointment", "message_template", "api_key")
            }


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def clinic(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Clinic]:
    if request.param == "sqlite":
        target = Path(tmp_path_factory.mktemp("input")) / "reminders.db"
        url = copy_sqlite(request.getfixturevalue("sqlite_at_head"), target)
    else:
        url = request.getfixturevalue("postgres_url")
        fresh_postgres(url)
    engine = make_engine(url)
    clock = Clock(NOW)
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="admin", name="desk", now=clock.now)
    headers = {"Authorization": f"Bearer {secret}"}
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    with TestClient(bound_app(settings, engine, clock)) as client:
        patient = client.post(
            "/v1/patients",
            json={
                "given_name": "Maria",
                "family_name": "Lopez",
                "phone": "(212) 555-0142",
                "sms_consent": True,
            },
            headers=headers,
        ).json()
        procedure = client.post(
            f"/v1/patients/{patient['id']}/procedures",
            json={"scheduled_at": "2027-03-16T07:00:00"},
            headers=headers,
        ).json()
        visit = client.post(
            f"/v1/procedures/{procedure['id']}/appointments",
            json={"kind": "two_week", "starts_at": "2027-03-30T10:00:00"},
            headers=headers,
        ).json()
        yield Clinic(client, headers, patient["id"], procedure["id"], visit["id"], engine)
    engine.dispose()


PATIENT = {
    "given_name": "Ana",
    "family_name": "Silva",
    "phone": "(212) 555-0177",
    "sms_consent": True,
}


def _patient(**change: object) -> dict[str, object]:
    return {**PATIENT, **change}


# (what the client sends, the field the answer must name, words in the message)
CASES: list[tuple[str, str, str, dict[str, Any], str, str]] = [
    # Zones: folders of the zone database, host-dependent or POSIX-style names.
    *[
        ("enroll", "POST", "/v1/patients", {"json": _patient(timezone=z)}, "timezone", "IANA")
        for z in ("Pacific", "America", "US", "Etc", "localtime", "EST5EDT", "Japan")
    ],
    # Names with NUL, other control characters or direction overrides.
    *[
        ("enroll", "POST", "/v1/patients", {"json": _patient(**{f: v})}, f, "U+")
        for f, v in (
            ("given_name", "Ma\x00ria"),
            ("family_name", "Lo\x07pez"),
            ("given_name", "Maria\u202egnp.exe"),
            ("family_name", "\u2066Lopez\u2069"),
        )
    ],
    # A lone surrogate, escaped in the JSON: no database can store it as text.
    ("enroll", "POST", "/v1/patients",
     {"content": json.dumps(_patient(given_name="Ma\ud800ria"))}, "given_name", "string"),
    # Consent is only the JSON boolean true.
    *[
        ("enroll", "POST", "/v1/patients", {"json": _patient(sms_consent=v)}, "sms_consent", "")
        for v in ("yes", 1, "true", "on")
    ],
    # Numbers that cannot be a patient's phone.
    *[
        ("enroll", "POST", "/v1/patients", {"json": _patient(phone=p)}, "phone", kind)
        for p, kind in (
            ("+1 900 234 5678", "premium-rate"),
            ("1-800-234-5678", "toll-free"),
            ("+44 800 123 4567", "toll-free"),
            ("+33 8 84 01 23 45", "shared-cost"),
            ("+44 55 1234 5678", "UAN"),
        )
    ],
    # Dates far outside any clinic's calendar, and numbers read as Unix times.
    *[
        ("book", "POST", "/v1/patients/{patient}/procedures", {"json": {"scheduled_at": v}},
         "scheduled_at", words)
        for v, words in (
            (NINE_NINES, "2100"),
            ("0001-01-01T00:00:00", "2000"),
            (NINE_NINES + "-12:00", "2100"),
            ("0001-01-01T00:00:00+14:00", "2000"),
            ("2101-01-01T07:00:00", "2100"),
            (1900000000, "ISO 8601"),
            ("1900000000", "ISO 8601"),
        )
    ],
    ("reschedule", "PATCH", "/v1/procedures/{procedure}", {"json": {"scheduled_at": NINE_NINES}},
     "scheduled_at", "2100"),
    ("visit", "POST", "/v1/procedures/{procedure}/appointments",
     {"json": {"kind": "wound_check", "starts_at": NINE_NINES}}, "starts_at", "2100"),
    ("move visit", "PATCH", "/v1/appointments/{appointment}",
     {"json": {"starts_at": "0001-01-01T00:00:00"}}, "starts_at", "2000"),
    # Query datetimes: ISO 8601 strings within range only.
    *[
        ("worklist", "GET", "/v1/reminders", {"params": {"since": v}}, "since", words)
        for v, words in (
            (NINE_NINES + "-12:00", "2100"),
            ("0001-01-01T00:00:00+00:00", "2000"),
            ("0.5", "ISO 8601"),
            ("1700000000", "ISO 8601"),
        )
    ],
    # A misspelt query parameter is not silently ignored.
    ("worklist", "GET", "/v1/reminders", {"params": {"satus": "sent"}}, "satus", "not a query"),
    ("audit", "GET", "/v1/audit", {"params": {"since": "0.5"}}, "since", "ISO 8601"),
    ("audit", "GET", "/v1/audit", {"params": {"until": NINE_NINES + "Z"}}, "until", "2100"),
    ("audit", "GET", "/v1/audit", {"params": {"entity": "pa\x00tient"}}, "entity", "U+0000"),
    # Template bodies and key names.
    ("template", "PUT", "/v1/templates/prep_week/en", {"json": {"body": "Hi\x00 there"}},
     "body", "U+0000"),
    ("template", "PUT", "/v1/templates/prep_week/en", {"json": {"body": "Hi \u202e{{x}}"}},
     "body", "U+202E"),
    ("preview", "POST", "/v1/templates/preview", {"json": {"body": "Hi\x1b[2J"}},
     "body", "U+001B"),
    ("api key", "POST", "/v1/api-keys", {"json": {"role": "staff", "name": "desk\x00"}},
     "name", "U+0000"),
    ("api key", "POST", "/v1/api-keys", {"json": {"role": "staff", "name": "desk\u202d"}},
     "name", "U+202D"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("story", "method", "path", "request_args", "field", "words"),
    CASES,
    ids=[f"{c[0]}-{c[4]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    clinic, story, method, path, request_args, field, words
):
    before = clinic.rows()
    url = path.format(
        patient=clinic.patient_id,
        procedure=clinic.procedure_id,
        appointment=clinic.appointment_id,
    )
    headers = dict(clinic.headers)
    if "content" in request_args:
        headers["Content-Type"] = "application/json"
    response = clinic.client.request(method, url, headers=headers, **request_args)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert words in errors[field], errors
    assert clinic.rows() == before


def test_a_misspelled_zone_gets_the_nearest_valid_name(clinic):
    response = clinic.client.post(
        "/v1/patients", json=_patient(timezone="America/Chicgo"), headers=clinic.headers
    )
    assert response.status_code == 422
    assert "did you mean 'America/Chicago'" in response.json()["detail"]
    posix = clinic.client.post(
        "/v1/patients", json=_patient(timezone="EST5EDT"), headers=clinic.headers
    )
    assert "did you mean 'America/New_York'" in posix.json()["detail"]


def test_canonical_zones_voip_numbers_and_multiline_templates_are_still_welcome(clinic):
    for zone, phone in (("Etc/UTC", "+44 56 1234 5678"), ("America/Argentina/Salta", None)):
        body = _patient(timezone=zone) if phone is None else _patient(timezone=zone, phone=phone)
        response = clinic.client.post("/v1/patients", json=body, headers=clinic.headers)
        assert response.status_code == 201, response.text
        assert response.json()["timezone"] == zone
    # Names in any script, with the joiners some scripts need.
    joined = clinic.client.post(
        "/v1/patients",
        json=_patient(given_name=PERSIAN_NAME_WITH_ZWNJ, family_name="Nguyễn"),
        headers=clinic.headers,
    )
    assert joined.status_code == 201, joined.text
    preview = clinic.client.post(
        "/v1/templates/preview",
        json={"body": "Hello {{ given_name }},\nsee you soon.\tThanks"},
        headers=clinic.headers,
    )
    assert preview.status_code == 200, preview.text


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"given_name": "Mar\xffia"}', b"\xff\xfe{}"],
    ids=["not-json", "bad-utf8-inside", "bad-utf8-bom"],
)
def test_a_body_that_is_not_json_is_400_naming_the_body(clinic, raw):
    before = clinic.rows()
    response = clinic.client.post(
        "/v1/patients",
        content=raw,
        headers={**clinic.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body"]
    assert clinic.rows() == before
