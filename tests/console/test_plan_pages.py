"""Browser stories: an admin changes the plan, checks what would change for procedures
already booked, applies it, and restores the earlier version."""

import json

from sqlmodel import Session, col, select

from service.procedures.models import Reminder
from service.timeline.models import TimelinePlanRecord
from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in
from tests.support.clinic_api import api_client, enroll_and_book


def _ice_times(engine, procedure_id):
    with Session(engine) as session:
        return [
            r.due_at
            for r in session.exec(
                select(Reminder)
                .where(Reminder.procedure_id == procedure_id, Reminder.step == "ice")
                .order_by(col(Reminder.occurrence))
            )
        ]


def test_admin_moves_the_ice_texts_checks_the_dry_run_then_applies(
    page, console_app, console_clock
):
    with api_client(console_app, console_clock()) as api:
        _, procedure = enroll_and_book(
            api, "Maria", "Lopez", "(212) 555-0142", "America/New_York", "2027-03-16T07:00:00"
        )
    before = _ice_times(console_app.engine, procedure)

    sign_in(page, ADMIN)
    page.get_by_role("link", name="Plan").click()
    assert page.get_by_label("Ice: repetitions").input_value() == "7"
    assert_accessible(page)

    page.get_by_label("Ice: local time").fill("21:30")  # after the window closes
    page.get_by_role("button", name="Save as a new version").click()
    assert "outside the sending window" in page.locator("#ice-at-error").inner_text()
    assert page.get_by_label("Ice: local time").input_value() == "21:30"
    assert_accessible(page)
    with Session(console_app.engine) as session:
        assert session.exec(select(TimelinePlanRecord)).all() == []

    page.get_by_label("Ice: local time").fill("10:00")
    page.get_by_label("Ice: repetitions").fill("5")
    page.get_by_role("button", name="Save as a new version").click()
    assert "Plan saved as version 1" in page.get_by_role("status").inner_text()
    assert _ice_times(console_app.engine, procedure) == before  # not applied yet

    page.get_by_role("link", name="check what would change, then apply").click()
    assert "Maria Lopez" in page.locator("main").inner_text()
    assert "Withdrawn" in page.locator("main").inner_text()  # 7 ice texts become 5
    assert_accessible(page)
    assert _ice_times(console_app.engine, procedure) == before  # a dry run changes nothing
    page.get_by_role("button", name="Apply to 1 procedure").click()
    assert "the texts of 1 procedure changed" in page.get_by_role("status").inner_text()
    with Session(console_app.engine) as session:
        ice = session.exec(
            select(Reminder).where(
                Reminder.procedure_id == procedure,
                Reminder.step == "ice",
                Reminder.status == "pending",
            )
        ).all()
    assert len(ice) == 5

    page.get_by_role("button", name="Restore version 0").click()
    assert "Version 0 restored as version 2" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Ice: repetitions").input_value() == "7"
    with Session(console_app.engine) as session:
        latest = session.exec(
            select(TimelinePlanRecord).order_by(col(TimelinePlanRecord.version).desc())
        ).first()
    assert latest.created_by_name == ADMIN.name and latest.restored_from_version == 0
    assert json.loads(latest.body)["steps"]["ice"]["repeat"] == 7


def test_staff_cannot_open_the_plan(page, console_app):
    sign_in(page, STAFF)
    assert page.get_by_role("link", name="Plan").count() == 0
    response = page.goto("/plan")
    assert response.status == 403
    assert_accessible(page)
