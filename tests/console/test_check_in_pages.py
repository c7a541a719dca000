"""Staff see a patient's check-in answers as a chart and a table on the procedure page;
admins read the clinic's outcomes and download them as CSV."""

from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from service.db import session_scope
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.service import schedule_procedure
from service.timeline.active import default_plan
from tests.conftest import front_desk
from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in
from tests.support.check_ins import answer_check_ins

ANSWERS = {
    ("pain", -7): 7, ("walking", -7): 10, ("pain", 3): 5, ("walking", 3): 15,
    ("pain", 14): 3, ("walking", 14): 30,
}  # fmt: skip


def test_staff_see_the_answers_charted_and_tabled_and_admins_the_outcomes(
    browser, console_app, console_clock
):
    now = console_clock.now
    with session_scope(console_app.engine) as session:
        desk = front_desk(session, now)
        patient = enroll_patient(
            session,
            PatientCreate(
                given_name="Maria",
                family_name="Lopez",
                phone="(212) 555-0142",
                timezone="America/Chicago",
                sms_consent=True,
            ),
            console_app.settings,
            desk,
            now,
        )
        procedure = schedule_procedure(
            session, patient, datetime(2027, 2, 1, 8, 0), default_plan(console_app.settings),
            desk, now,
        )  # fmt: skip
        answer_check_ins(session, procedure, ANSWERS, now)
        procedure_id = procedure.id

    staff = browser.new_context(
        base_url=console_app.base_url, viewport={"width": 1280, "height": 900}
    )
    page = staff.new_page()
    sign_in(page, STAFF)
    page.goto(f"/procedures/{procedure_id}")
    charts = page.locator("figure.check-in-charts svg")
    expect(charts).to_have_count(2)
    assert "baseline 7" in charts.nth(0).inner_html()
    assert page.locator("script").count() == page.locator("script[src^='/']").count()
    table = page.locator("table", has_text="Worst pain (0-10)")
    rows = table.locator("tbody tr")
    assert rows.nth(0).inner_text().split("\t")[:4] == [
        "Day -7 (baseline)",
        "Monday 25 January 2027",
        "7",
        "10",
    ]  # fmt: skip  (asked 2 h after the 8am procedure time, Chicago dates)
    assert "Day +14" in rows.nth(2).inner_text() and "30" in rows.nth(2).inner_text()
    assert_accessible(page)
    assert page.goto("/outcomes").status == 403
    staff.close()

    admins = browser.new_context(
        base_url=console_app.base_url, viewport={"width": 1280, "height": 900}
    )
    page = admins.new_page()
    sign_in(page, ADMIN)
    page.goto("/outcomes?since=2027-01-01&until=2027-02-28")
    outcome = page.locator("tr", has_text="Day +14").filter(has_text="Worst pain")
    assert outcome.inner_text().split("\t") == [
        "Worst pain (0-10)",
        "Day +14",
        "1",
        "1",
        "3",
        "-4",
        "100%",
    ]
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "pain,14,1,1,3,-4,1" in csv_text
    admins.close()
