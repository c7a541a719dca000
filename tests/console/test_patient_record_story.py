"""Browser story at the front desk: find María however it is typed, correct her record
after seeing what it does to her texts, and merge the second record made by accident.
axe checks every page on the way."""

from datetime import date, datetime

from playwright.sync_api import expect

from service.db import session_scope
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.service import schedule_procedure
from service.timeline.active import default_plan
from tests.conftest import front_desk
from tests.console.conftest import STAFF, assert_accessible, sign_in


def _seed(console_app, now):
    settings = console_app.settings
    with session_scope(console_app.engine) as session:
        desk = front_desk(session, now)
        maria = enroll_patient(
            session,
            PatientCreate(
                given_name="María José",
                family_name="García Núñez",
                phone="(312) 555-0142",
                timezone="America/New_York",
                birth_date=date(1950, 3, 16),
                sms_consent=True,
            ),
            settings,
            desk,
            now,
        )
        schedule_procedure(
            session, maria, datetime(2027, 3, 16, 7, 0), default_plan(settings), desk, now
        )
        second = enroll_patient(
            session,
            PatientCreate(
                given_name="Maria",
                family_name="Garcia Nunez",
                phone="(312) 555-0142",
                sms_consent=True,
                allow_duplicate=True,
            ),
            settings,
            desk,
            now,
        )
        return maria.id, second.id


def test_front_desk_finds_corrects_and_merges_a_patients_records(page, console_app, console_clock):
    maria_id, second_id = _seed(console_app, console_clock.now)
    sign_in(page, STAFF)
    page.goto("/patients?q=nun")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)  # both records, the accident included
    assert "(312) 555-0142" in rows.first.inner_text()
    assert "16 Mar 1950" in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto(f"/patients/{maria_id}")
    page.get_by_role("link", name="Correct the record").click()
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Language of the texts").select_option("es")
    assert_accessible(page)
    page.get_by_role("button", name="Check the change").click()
    changed = page.locator("#changed-fields").inner_text()
    assert "Time zone" in changed and "Language of the texts" in changed
    texts = page.locator("#text-changes li")
    assert texts.count() >= 5
    assert "Chicago time" in texts.first.inner_text()
    assert "Hola" in texts.first.locator(".sms").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm: save the record").click()
    assert "Record updated" in page.get_by_role("status").inner_text()
    assert "Chicago time" in page.locator("main").inner_text()

    page.get_by_role("button", name="Merge into this record").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Merge these two records?"
    assert "Maria Garcia Nunez" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm: merge the records").click()
    assert "Records merged" in page.get_by_role("status").inner_text()
    assert "Possible second records" not in page.locator("main").inner_text()
    page.goto(f"/patients/{second_id}")  # an old link to the merged record
    assert page.get_by_role("heading", level=1).inner_text() == "María José García Núñez"
    assert_accessible(page)
