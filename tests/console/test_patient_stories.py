"""Browser stories at the front desk: find or enroll a patient, book, read every text,
move the procedure and see the correction, book a visit, and never make a second record
by accident. axe checks every page on the way."""

from datetime import datetime

from playwright.sync_api import expect

from service.db import session_scope
from service.delivery.dispatch import Dispatcher
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.service import schedule_procedure
from service.timeline.active import default_plan
from tests.conftest import front_desk
from tests.console.conftest import STAFF, assert_accessible, sign_in
from tests.fakes.gateways import RecordingGateway


def _seed_patient(console_app, now, when, **overrides):
    body = {
        "given_name": "Maria",
        "family_name": "Lopez",
        "phone": "(212) 555-0142",
        "timezone": "America/New_York",
        "sms_consent": True,
        **overrides,
    }
    with session_scope(console_app.engine) as session:
        desk = front_desk(session, now)
        patient = enroll_patient(session, PatientCreate(**body), console_app.settings, desk, now)
        procedure = schedule_procedure(
            session, patient, when, default_plan(console_app.settings), desk, now
        )
        return patient.id, procedure.id


def _fill_enrollment(page, phone):
    page.get_by_label("Given (first) name").fill("Rosa")
    page.get_by_label("Family (last) name").fill("Jiménez")
    page.get_by_label("Mobile phone").fill(phone)
    page.get_by_label("Time zone").select_option("America/Los_Angeles")
    page.get_by_label("Language of the texts").select_option("es")
    page.get_by_label("The patient agrees to receive text messages").check()
    page.get_by_role("button", name="Enroll patient").click()


def test_front_desk_enrolls_with_a_bad_phone_then_a_good_one_books_and_reads_every_text(
    page, console_app
):
    sign_in(page, STAFF)
    page.goto("/patients/new")
    assert_accessible(page)
    _fill_enrollment(page, "12")
    summary = page.get_by_role("alert")
    assert "Enter a mobile phone number" in summary.inner_text()
    assert "Enter a mobile phone number" in page.locator("#phone-error").inner_text()
    assert page.get_by_label("Given (first) name").input_value() == "Rosa"  # kept
    assert page.get_by_label("The patient agrees to receive text messages").is_checked()
    assert_accessible(page)

    page.get_by_label("Mobile phone").fill("(213) 555-0199")
    page.get_by_role("button", name="Enroll patient").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Rosa Jiménez"
    assert "Patient enrolled" in page.get_by_role("status").inner_text()
    assert "Los Angeles time" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_label("Date and time of the procedure").fill("2027-03-16T07:00")
    page.get_by_role("button", name="Book procedure").click()
    assert "Procedure booked" in page.get_by_role("status").inner_text()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "MILD procedure, Tuesday 16 March 2027, 7am Los Angeles time"
    rows = page.locator("table.timeline tbody tr")
    pending = [r for r in rows.all() if "To be sent" in r.inner_text()]
    assert len(pending) >= 10
    for row in pending:  # every text to be sent shows its words, in Spanish, signed
        words = row.locator(".sms").inner_text()
        assert words.startswith("Lakeside Spine: Hola, Rosa.")
    assert "martes 16 de marzo" in pending[0].inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Printable list of texts for the patient").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sus mensajes de texto"
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)


def test_moving_a_procedure_shows_the_correction_before_it_is_confirmed(
    page, console_app, console_clock
):
    now = console_clock.now
    # Monday 8 March: the week-before text is due now, and goes out.
    _, procedure_id = _seed_patient(console_app, now, datetime(2027, 3, 8, 7, 0))
    settings = console_app.settings
    Dispatcher(
        console_app.engine, RecordingGateway(), settings, plan=lambda: default_plan(settings),
        worker_id="story",
    ).run_once(now)  # fmt: skip

    sign_in(page, STAFF)
    page.goto(f"/procedures/{procedure_id}")
    sent = page.locator("table.timeline tbody tr", has_text="Sent").first
    assert "Monday, March 8" in sent.locator(".sms").inner_text()

    page.get_by_label("New date and time").fill("2027-03-15T08:30")
    page.get_by_role("button", name="Check the move").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Move the procedure?"
    notice = page.locator(".sms").first.inner_text()
    assert "has moved to Monday, March 15 at 8:30 AM" in notice
    assert "Texts that move" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Confirm: move the procedure").click()
    assert "Procedure moved" in page.get_by_role("status").inner_text()
    correction = page.locator("table.timeline tbody tr", has_text="Procedure moved")
    assert "has moved to Monday, March 15 at 8:30 AM" in correction.inner_text()
    assert_accessible(page)


def test_booking_a_follow_up_visit_shows_its_reminders_first(page, console_app, console_clock):
    _, procedure_id = _seed_patient(console_app, console_clock.now, datetime(2027, 3, 16, 7, 0))
    sign_in(page, STAFF)
    page.goto(f"/procedures/{procedure_id}")
    page.get_by_label("Visit", exact=True).select_option("wound_check")
    page.get_by_label("Date and time of the visit").fill("2027-03-24T10:30")
    page.get_by_role("button", name="Check the booking").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Book the visit?"
    main = page.locator("main").inner_text()
    assert "New texts" in main and "Texts that will not go out" in main
    assert_accessible(page)
    page.get_by_role("button", name="Confirm: book the visit").click()
    assert "Visit booked" in page.get_by_role("status").inner_text()
    visit = page.locator("table.timeline tbody tr", has_text="Wound check visit").first
    assert "10:30 AM" in visit.locator(".sms").inner_text()
    assert_accessible(page)


def test_a_likely_duplicate_is_enrolled_only_after_staff_confirm(page, console_app, console_clock):
    first_id, _ = _seed_patient(console_app, console_clock.now, datetime(2027, 3, 16, 7, 0))
    sign_in(page, STAFF)
    page.goto("/patients?q=lopez")
    assert page.get_by_role("link", name="Lopez, Maria").is_visible()
    assert_accessible(page)

    page.goto("/patients/new")
    page.get_by_label("Given (first) name").fill("Jose")
    page.get_by_label("Family (last) name").fill("Lopez")
    page.get_by_label("Mobile phone").fill("212-555-0142")
    page.get_by_label("The patient agrees to receive text messages").check()
    page.get_by_role("button", name="Enroll patient").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Is this the same patient?"
    assert page.get_by_role("link", name="Maria Lopez").get_attribute("href") == (
        f"/patients/{first_id}"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Yes, enroll Jose Lopez as another patient").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Jose Lopez"

    page.goto("/patients?q=lopez")
    expect(page.locator("table tbody tr")).to_have_count(2)


def test_the_weeks_procedures_are_listed_by_date_in_each_patients_zone(
    page, console_app, console_clock
):
    _seed_patient(console_app, console_clock.now, datetime(2027, 3, 3, 7, 0))
    _seed_patient(
        console_app,
        console_clock.now,
        datetime(2027, 3, 2, 8, 0),
        given_name="James",
        family_name="Carter",
        phone="(312) 555-0177",
        timezone="America/Chicago",
    )
    sign_in(page, STAFF)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Procedures").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    assert "Tuesday 2 March 2027, 8am Chicago time" in rows.nth(0).inner_text()
    assert "Maria Lopez" in rows.nth(1).inner_text()
    assert_accessible(page)
    page.get_by_label("From").fill("2027-03-03")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
