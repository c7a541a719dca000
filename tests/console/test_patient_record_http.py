"""Correcting and merging records in the console over plain HTTP, on both databases:
nothing changes before confirming, and two people cannot overwrite each other."""

import re

from sqlmodel import Session, select

from service.patients.models import Patient
from tests.support.console_server import STAFF, console_post, sign_in_new_person


def _enroll(desk, **change):
    body = {
        "given_name": "María José",
        "family_name": "García Núñez",
        "phone": "(212) 555-0142",
        "timezone": "America/New_York",
        "language": "en",
        "sms_consent": "on",
        **change,
    }
    enrolled = console_post(desk, "/patients/new", body)
    assert enrolled.status_code == 303, enrolled.text
    return int(enrolled.headers["location"].rsplit("/", 1)[1])


def _edit_form(desk, patient_id):
    page = desk.get(f"/patients/{patient_id}/edit")
    assert page.status_code == 200
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page.text))
    fields.pop("csrf_token", None)
    selected = re.findall(r'<option value="([^"]+)" selected', page.text)
    fields["timezone"], fields["language"] = selected
    return fields


def test_two_people_edit_one_record_and_the_second_sees_what_changed_meanwhile(
    client, engine, clock
):
    sign_in_new_person(client, engine, STAFF, clock.now)
    patient_id = _enroll(client, birth_date="1950-03-16")
    first, second = _edit_form(client, patient_id), _edit_form(client, patient_id)
    assert first["birth_date"] == "1950-03-16" and first["version"] == "1"

    no_consent = console_post(
        client,
        f"/patients/{patient_id}/edit",
        {**first, "phone": "(312) 555-0100", "sms_consent": ""},
    )
    assert no_consent.status_code == 422
    assert "agrees to receive text messages at the new number" in no_consent.text
    assert "sms_consent: true" not in no_consent.text

    checked = console_post(client, f"/patients/{patient_id}/edit", {**first, "language": "es"})
    assert checked.status_code == 200 and "Language of the texts" in checked.text
    with Session(engine) as session:
        assert session.get(Patient, patient_id).language == "en"  # not yet confirmed
    saved = console_post(
        client, f"/patients/{patient_id}/edit", {**first, "language": "es", "confirm": "yes"}
    )
    assert saved.status_code == 303

    late = console_post(
        client, f"/patients/{patient_id}/edit", {**second, "mrn": "MRN-1", "confirm": "yes"}
    )
    assert late.status_code == 409
    assert "changed language of the texts while you were editing" in late.text
    assert 'id="changed-meanwhile"' in late.text and 'value="MRN-1"' in late.text
    with Session(engine) as session:
        record = session.get(Patient, patient_id)
        assert (record.language, record.mrn, record.version) == ("es", None, 2)


def test_a_second_record_is_merged_from_the_patient_page_after_seeing_what_moves(
    client, engine, clock
):
    sign_in_new_person(client, engine, STAFF, clock.now)
    kept = _enroll(client, birth_date="1950-03-16")
    duplicate = _enroll(
        client,
        given_name="Maria",
        family_name="Garcia Nunez",
        phone="(312) 555-0177",
        birth_date="1950-03-16",
        confirm_duplicate="yes",
    )
    page = client.get(f"/patients/{kept}")
    assert "Possible second records of this patient" in page.text
    preview = console_post(
        client, f"/patients/{kept}/merge", {"duplicate_id": str(duplicate)}, f"/patients/{kept}"
    )
    assert preview.status_code == 200 and 'id="merge-moves"' in preview.text
    with Session(engine) as session:
        assert session.get(Patient, duplicate).merged_into_id is None
    merged = console_post(
        client,
        f"/patients/{kept}/merge",
        {"duplicate_id": str(duplicate), "confirm": "yes"},
        f"/patients/{kept}",
    )
    assert merged.status_code == 303
    old_link = client.get(f"/patients/{duplicate}", follow_redirects=False)
    assert old_link.headers["location"].startswith(f"/patients/{kept}")
    again = console_post(
        client,
        f"/patients/{kept}/merge",
        {"duplicate_id": str(duplicate), "confirm": "yes"},
        f"/patients/{kept}",
    )
    assert again.status_code == 422 and "already merged" in again.text
    with Session(engine) as session:
        assert session.exec(select(Patient).where(Patient.merged_into_id == kept)).one()
