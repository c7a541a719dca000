"""Patients and procedures in the console over plain HTTP (no browser), on both databases:
forms post, redirect, keep what was typed, and change nothing until confirmed."""

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.patients.models import Patient
from service.procedures.models import Reminder
from tests.support.console_server import STAFF, console_post, csrf_token_of, sign_in_new_person


@pytest.fixture
def desk(client, engine, clock):
    sign_in_new_person(client, engine, STAFF, clock.now)
    return client


MARIA = {
    "given_name": "María",
    "family_name": "López",
    "phone": "(212) 555-0142",
    "timezone": "America/Chicago",
    "language": "es",
    "sms_consent": "on",
}


def test_enrolling_with_a_bad_phone_keeps_what_was_typed_and_writes_nothing(desk, engine):
    refused = console_post(desk, "/patients/new", {**MARIA, "phone": "12", "sms_consent": ""})
    assert refused.status_code == 422
    assert 'id="phone-error"' in refused.text and 'id="sms_consent-error"' not in refused.text
    assert 'value="María"' in refused.text  # kept
    with Session(engine) as session:
        assert session.exec(select(Patient)).all() == []

    enrolled = console_post(desk, "/patients/new", MARIA)
    assert enrolled.status_code == 303
    page = desk.get(enrolled.headers["location"])
    assert "María López" in page.text and "Chicago time" in page.text


def test_a_likely_duplicate_asks_before_a_second_record(desk, engine):
    first = console_post(desk, "/patients/new", MARIA)
    asked = console_post(desk, "/patients/new", {**MARIA, "given_name": "José"})
    assert asked.status_code == 409
    assert "Is this the same patient?" in asked.text
    assert first.headers["location"] in asked.text  # a link to the existing record
    confirmed = desk.post(
        "/patients/new",
        data={**MARIA, "given_name": "José", "confirm_duplicate": "yes",
              "csrf_token": csrf_token_of(asked.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert confirmed.status_code == 303
    with Session(engine) as session:
        assert len(session.exec(select(Patient)).all()) == 2


def test_search_finds_by_name_and_reading_a_patient_is_audited_with_the_person(desk, engine):
    location = console_post(desk, "/patients/new", MARIA).headers["location"]
    found = desk.get("/patients", params={"q": "lóp"})
    assert location in found.text
    assert "No patient matches" in desk.get("/patients", params={"q": "zz"}).text
    desk.get(location)
    with Session(engine) as session:
        reads = session.exec(select(AuditEntry).where(AuditEntry.action == "read")).all()
    assert reads and reads[-1].actor_name == "Sam Patel"


def test_booking_then_moving_shows_the_consequences_before_anything_changes(desk, engine):
    patient = console_post(desk, "/patients/new", MARIA).headers["location"]
    bad = console_post(desk, f"{patient}/procedures", {"scheduled_at": "not a date"}, page=patient)
    assert bad.status_code == 422 and 'id="scheduled_at-error"' in bad.text
    booked = console_post(
        desk, f"{patient}/procedures", {"scheduled_at": "2027-03-16T07:00"}, page=patient
    )
    assert booked.status_code == 303
    procedure = booked.headers["location"]
    timeline = desk.get(procedure).text
    assert "martes 16 de marzo" in timeline  # the Spanish texts, word for word
    assert "Chicago time" in timeline

    with Session(engine) as session:
        before = [(r.id, r.due_at, r.status) for r in session.exec(select(Reminder))]
    shown = console_post(
        desk, f"{procedure}/reschedule", {"scheduled_at": "2027-03-23T08:30"}, page=procedure
    )
    assert shown.status_code == 200 and "Move the procedure?" in shown.text
    assert "Texts that move" in shown.text
    with Session(engine) as session:
        assert [(r.id, r.due_at, r.status) for r in session.exec(select(Reminder))] == before
    confirmed = desk.post(
        f"{procedure}/reschedule",
        data={"scheduled_at": "2027-03-23T08:30", "confirm": "yes",
              "csrf_token": csrf_token_of(shown.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert confirmed.status_code == 303
    assert "martes 23 de marzo" in desk.get(procedure).text
    printed = desk.get(f"{procedure}/print").text
    assert '<html lang="es">' in printed and "Sus mensajes de texto" in printed
    assert "procedimiento MILD (martes 23 de marzo, 8:30 a.m.)" in printed
    assert "a.m.." not in printed and "America/Chicago" not in printed
    assert "(hora de Chicago)" in printed and "Responda ALTO" in printed
    assert "Back to the procedure" not in printed and "Volver al procedimiento" in printed
    assert "+1" not in printed.split("<main", 1)[1]  # the phone reads the clinic's way
    assert "es el martes 16 de marzo a las 7:00" not in printed  # the old date is gone


def test_a_change_without_the_form_token_is_refused_and_changes_nothing(desk, engine):
    patient = console_post(desk, "/patients/new", MARIA).headers["location"]
    refused = desk.post(f"{patient}/procedures", data={"scheduled_at": "2027-03-16T07:00"})
    assert refused.status_code == 403
    with Session(engine) as session:
        assert session.exec(select(Reminder)).all() == []


def test_staff_book_and_cancel_a_visit_after_seeing_what_it_replaces(desk, engine, clock):
    patient = console_post(desk, "/patients/new", MARIA).headers["location"]
    procedure = console_post(
        desk, f"{patient}/procedures", {"scheduled_at": "2027-03-16T07:00"}, page=patient
    ).headers["location"]
    early = console_post(
        desk, f"{procedure}/visits", {"kind": "wound_check", "starts_at": "2027-03-10T10:00"},
        page=procedure,
    )  # fmt: skip
    assert early.status_code == 422 and 'id="starts_at-error"' in early.text
    assert "must be after the procedure" in early.text
    shown = console_post(
        desk, f"{procedure}/visits", {"kind": "wound_check", "starts_at": "2027-03-24T10:30"},
        page=procedure,
    )  # fmt: skip
    assert "Texts that will not go out" in shown.text and "Replaced by reminders" in shown.text
    done = desk.post(
        f"{procedure}/visits",
        data={"kind": "wound_check", "starts_at": "2027-03-24T10:30", "confirm": "yes",
              "csrf_token": csrf_token_of(shown.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    page = desk.get(procedure).text
    assert "Wound check" in page and "10:30am Chicago time" in page
    visit_id = re.search(r'action="/visits/(\d+)/cancel"', page).group(1)
    cancel = console_post(desk, f"/visits/{visit_id}/cancel", {}, page=procedure)
    assert "Cancel the visit?" in cancel.text
    assert datetime(2027, 3, 1, tzinfo=UTC) < clock.now
