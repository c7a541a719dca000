"""Browser stories: the care team hears a patient's reply in the inbox, answers it with
a text and marks it handled."""

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.config import Settings
from service.conversation.staff_texts import STAFF_TEXT_STEP
from service.messaging.models import Direction, Message
from tests.console.conftest import STAFF, assert_accessible, sign_in
from tests.support.clinic_api import api_client, enroll_and_book, patient_texts
from tests.support.twilio_webhooks import AUTH_TOKEN


@pytest.fixture
def console_settings(console_engine) -> Settings:
    # Twilio signs the replies it posts: the app checks them against this token and URL.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=str(console_engine.url),
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        clinic_timezone="America/New_York",
        twilio_auth_token=AUTH_TOKEN,
        public_base_url="http://127.0.0.1",
    )


def _messages(engine, patient_id):
    """The patient's texts, less the service's own safety-net answers to their replies."""
    with Session(engine) as session:
        return [
            m
            for m in session.exec(
                select(Message).where(Message.patient_id == patient_id).order_by(col(Message.id))
            )
            if "answer_to_reply" not in m.steps.split(",")
        ]


def _staff_texts(engine, patient_id):
    return [
        m
        for m in _messages(engine, patient_id)
        if m.direction == Direction.outbound and m.steps == STAFF_TEXT_STEP
    ]


def test_nurse_sees_an_urgent_reply_first_and_marks_it_handled_with_a_note(
    page, console_app, console_clock
):
    with api_client(console_app, console_clock()) as api:
        enroll_and_book(
            api, "James", "Carter", "(312) 555-0177", "America/Chicago", "2027-03-02T08:00:00"
        )
        brooks, _ = enroll_and_book(
            api, "Helen", "Brooks", "(303) 555-0160", "America/Denver", "2027-02-26T09:00:00"
        )
    assert patient_texts(console_app, "What time should I arrive?", "+13125550177").is_success
    console_clock.advance(minutes=20)
    assert patient_texts(console_app, "I can't pee since this morning", "+13035550160").is_success

    sign_in(page, STAFF)
    assert "Helen Brooks" in page.locator("#urgent + p + table").inner_text()  # on Today
    assert page.get_by_role("link", name="replies waiting for a person").is_visible()
    assert "2 replies waiting for a person" in " ".join(page.locator(".cards").inner_text().split())
    page.get_by_role("link", name="Inbox").click()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(2)
    assert "Helen Brooks" in rows.nth(0).inner_text()  # urgent first, though newer
    assert "Urgent" in rows.nth(0).inner_text()
    assert "I can't pee since this morning" in rows.nth(0).inner_text()
    assert "James Carter" in rows.nth(1).inner_text()
    assert "Urgent" not in rows.nth(1).inner_text()
    patient_link = rows.nth(0).get_by_role("link", name="Helen Brooks", exact=True)
    assert patient_link.get_attribute("href") == f"/patients/{brooks}"
    assert_accessible(page)

    rows.nth(0).get_by_role("link", name="Answer or mark handled").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reply from Helen Brooks"
    assert_accessible(page)
    page.get_by_label("Note (optional)").fill("Called her, advised the emergency room")
    page.get_by_role("button", name="Mark as handled").click()

    page.wait_for_url("**/inbox")
    assert "Reply marked as handled" in page.get_by_role("status").inner_text()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(1)
    assert "James Carter" in rows.nth(0).inner_text()
    page.get_by_role("link", name="Today").click()
    assert "1 reply waiting for a person" in " ".join(page.locator(".cards").inner_text().split())

    reply = next(m for m in _messages(console_app.engine, brooks) if m.direction == "inbound")
    assert reply.handled_by == STAFF.name
    assert reply.handled_note == "Called her, advised the emergency room"
    with Session(console_app.engine) as session:
        entries = list(session.exec(select(AuditEntry).where(AuditEntry.actor_name == STAFF.name)))
    assert {(e.action, e.entity) for e in entries} >= {
        ("read", "inbox"),
        ("read", "reply"),
        ("handle", "reply"),
    }
    assert all(e.actor_user_id is not None for e in entries)


def test_nurse_answers_a_reply_outside_the_window_only_when_she_says_so(
    page, console_app, console_clock
):
    with api_client(console_app, console_clock()) as api:
        # 6am in Los Angeles while the clinic in New York opens at 9.
        patient, _ = enroll_and_book(
            api, "Rosa", "Jiménez", "(213) 555-0199", "America/Los_Angeles", "2027-03-02T10:30:00"
        )
    assert patient_texts(console_app, "Can I drive myself home?", "+12135550199").is_success

    sign_in(page, STAFF)
    page.goto("/inbox")
    page.get_by_role("link", name="Answer or mark handled").click()
    page.get_by_label("Text to Rosa").fill("No: please bring someone to drive you home.")
    page.get_by_role("button", name="Send text").click()

    assert "outside the sending window" in page.get_by_role("alert").inner_text()
    assert "outside the sending window" in page.locator("#outside_window-error").inner_text()
    assert page.get_by_label("Text to Rosa").input_value() == (
        "No: please bring someone to drive you home."
    )
    assert _staff_texts(console_app.engine, patient) == []
    assert_accessible(page)

    page.get_by_label("Send even though it is outside the patient's sending window").check()
    page.get_by_role("button", name="Send text").click()
    assert "Text sent to Rosa Jiménez" in page.get_by_role("status").inner_text()
    sent = _staff_texts(console_app.engine, patient)
    assert [m.body for m in sent] == ["Lakeside Spine: No: please bring someone to drive you home."]
    # Answering does not close the reply: the nurse decides when it is handled.
    page.goto("/inbox")
    assert "Rosa Jiménez" in page.locator("table.inbox").inner_text()


def test_nurse_calls_back_a_carer_texting_from_a_number_not_on_file(
    page, console_app, console_clock
):
    carer = "+17735550123"
    shown = "(773) 555-0123"  # people read the clinic's national format; links dial E.164
    fever = "My mother has a fever of 102 after her back procedure"
    with api_client(console_app, console_clock()) as api:
        enroll_and_book(
            api, "James", "Carter", "(312) 555-0177", "America/Chicago", "2027-03-02T08:00:00"
        )
    assert patient_texts(console_app, "Can I shower tomorrow?", "+13125550177").is_success
    console_clock.advance(minutes=5)
    assert patient_texts(console_app, fever, carer).is_success

    sign_in(page, STAFF)
    assert "A number not on file" in page.locator("#urgent + p + table").inner_text()
    assert "2 replies waiting for a person" in " ".join(page.locator(".cards").inner_text().split())
    page.get_by_role("link", name="Inbox").click()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(2)
    first = rows.nth(0).inner_text()  # urgent first, though newer
    assert "Number not on file" in first and shown in first and carer not in first
    assert "Urgent" in first and fever in first
    call = rows.nth(0).get_by_role("link", name=shown, exact=True)
    assert call.get_attribute("href") == f"tel:{carer}"
    assert "James Carter" in rows.nth(1).inner_text()
    assert_accessible(page)

    rows.nth(0).get_by_role("link", name="Call back or mark handled").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Reply from a number not on file"
    assert shown in page.locator(".notice").inner_text()
    assert page.get_by_role("button", name="Send text").count() == 0
    assert_accessible(page)
    page.get_by_label("Note (optional)").fill("Called the daughter: her mother went to the ER")
    page.get_by_role("button", name="Mark as handled").click()

    page.wait_for_url("**/inbox")
    assert "Reply marked as handled" in page.get_by_role("status").inner_text()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(1)
    assert "James Carter" in rows.nth(0).inner_text()
    with Session(console_app.engine) as session:
        kept = session.exec(select(Message).where(Message.body == fever)).one()
    assert kept.patient_id is None and kept.phone == carer
    assert kept.handled_by == STAFF.name
    assert kept.handled_note == "Called the daughter: her mother went to the ER"
