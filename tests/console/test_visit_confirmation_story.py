"""A visit booked at the front desk, confirmed by the patient's signed reply of "C"."""

from datetime import datetime
from urllib.parse import urlencode

import httpx
import pytest

from service.db import session_scope
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.service import schedule_procedure
from service.timeline.active import default_plan
from tests.conftest import front_desk
from tests.console.conftest import STAFF, assert_accessible, sign_in
from tests.support.twilio_webhooks import INBOUND_URL, inbound_form, sign, twilio_settings


@pytest.fixture
def console_settings(console_engine):  # Twilio configured: its webhooks are signed
    return twilio_settings(str(console_engine.url))


def test_staff_book_a_visit_and_see_it_confirmed_when_the_patient_replies_c(
    page, console_app, console_clock
):
    now = console_clock.now
    with session_scope(console_app.engine) as session:
        desk = front_desk(session, now)
        patient = enroll_patient(
            session,
            PatientCreate(
                given_name="Rosa",
                family_name="Jiménez",
                phone="(213) 555-0199",
                timezone="America/Los_Angeles",
                language="es",
                sms_consent=True,
            ),
            console_app.settings,
            desk,
            now,
        )
        procedure = schedule_procedure(
            session,
            patient,
            datetime(2027, 3, 16, 7, 0),
            default_plan(console_app.settings),
            desk,
            now,
        )
        procedure_id = procedure.id

    sign_in(page, STAFF)
    page.goto(f"/procedures/{procedure_id}")
    page.get_by_label("Visit", exact=True).select_option("two_week")
    page.get_by_label("Date and time of the visit").fill("2027-03-30T09:15")
    page.get_by_role("button", name="Check the booking").click()
    page.get_by_role("button", name="Confirm: book the visit").click()
    visits = page.locator("table", has_text="Follow-up visits")
    assert "Booked" in visits.inner_text() and "9:15am Los Angeles time" in visits.inner_text()

    form = inbound_form("C", "+12135550199", "SM" + "c" * 32)
    reply = httpx.post(
        f"{console_app.base_url}/v1/twilio/inbound",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(INBOUND_URL, form),
        },
    )
    assert reply.status_code == 200, reply.text

    page.reload()
    assert (
        "Confirmed by the patient"
        in page.locator("table", has_text="Follow-up visits").inner_text()
    )
    assert_accessible(page)
    page.get_by_role("link", name="Rosa Jiménez").click()
    conversation = page.locator(".conversation").inner_text()
    assert "From the patient" in conversation and "\nC\n" in f"\n{conversation}\n"
    assert_accessible(page)
