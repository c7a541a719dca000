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


def test_admin_adds_a_clinic_question_fixes_the_form_and_retires_it(
    page, console_app, console_clock
):
    sign_in(page, ADMIN)
    page.get_by_role("link", name="Questions").click()
    expect(page.get_by_role("heading", name="Check-in questions", level=1)).to_be_visible()
    keys = page.locator("tbody th[scope=row]")
    expect(keys).to_have_text(["pain", "walking"])
    assert_accessible(page)

    # Made-up clinic wording; Spanish left out at first.
    page.get_by_label("Key").fill("back_stiffness")
    page.get_by_label("The answer is").select_option("scale")
    page.get_by_label("Lowest answer (a scale)").fill("1")
    page.get_by_label("Highest answer (a scale)").fill("5")
    page.get_by_label("The question in English").fill(
        "How stiff is your back this morning, from 1 (loose) to 5 (very stiff)?"
    )
    page.get_by_label("Its short form in English").fill("Back stiffness, 1 to 5?")
    page.get_by_label("Source").fill("Our own wording")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator("#wording-es-error")).to_contain_text("Must not be empty")
    assert page.get_by_label("Key").input_value() == "back_stiffness"
    assert_accessible(page)

    page.get_by_label("The question in Spanish").fill(
        "¿Qué tan rígida tiene la espalda esta mañana, del 1 (suelta) al 5 (muy rígida)?"
    )
    page.get_by_label("Its short form in Spanish").fill("¿Rigidez de la espalda, del 1 al 5?")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("status")).to_contain_text("Question 'back_stiffness' added")
    expect(keys).to_have_text(["pain", "walking", "back_stiffness"])

    page.get_by_role("link", name="back_stiffness", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in question back_stiffness")
    assert_accessible(page)
    page.get_by_role("link", name="Edit the question in English").click()
    page.wait_for_url("**/templates/question_back_stiffness/en")
    assert "How stiff is your back" in page.locator("main").inner_text()
    page.go_back()
    page.get_by_role("button", name="Retire this question").click()
    expect(page.get_by_role("status")).to_contain_text("retired: it is asked no more")
    expect(page.locator("tr", has_text="back_stiffness")).to_contain_text("Retired")

    # Its answer recorded before it was retired stays on the procedure page, by its key.
    now = console_clock.now
    with session_scope(console_app.engine) as session:
        desk = front_desk(session, now)
        patient = enroll_patient(
            session,
            PatientCreate(
                given_name="Ana", family_name="Ruiz", phone="(212) 555-0143",
                timezone="America/Chicago", sms_consent=True,
            ),
            console_app.settings, desk, now,
        )  # fmt: skip
        procedure = schedule_procedure(
            session, patient, datetime(2027, 2, 1, 8, 0), default_plan(console_app.settings),
            desk, now,
        )  # fmt: skip
        answer_check_ins(session, procedure, {("pain", -7): 6, ("back_stiffness", -7): 3}, now)
        procedure_id = procedure.id
    page.goto(f"/procedures/{procedure_id}")
    table = page.locator("table", has_text="Worst pain (0-10)")
    expect(table.locator("thead")).to_contain_text("back_stiffness")
    assert table.locator("tbody tr").nth(0).inner_text().split("\t")[2:5] == ["6", "-", "3"]
