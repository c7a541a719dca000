"""Browser stories of the front desk seeing and acting on what needs a person, on SQLite
and PostgreSQL: an urgent reply to call, Today and the inbox agreeing and refreshing
themselves, a patient who replied STOP before the procedure, a booking on a past date.

Patients' texts come in through `simulate_reply`, the code behind `reminders reply`,
which is the code behind Twilio's webhook."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from service.config import Settings
from service.conversation.simulated import simulate_reply
from service.db import make_engine
from tests.conftest import Clock
from tests.console.conftest import STAFF, assert_accessible, sign_in
from tests.support.console_server import ADMIN, add_person
from tests.support.demo_data import seed_demo

MARIA = "(212) 555-0142"  # Maria Lopez, procedure today at 1:30pm New York time
JAMES = "(312) 555-0177"  # James Carter, procedure tomorrow at 8am Chicago time


@pytest.fixture
def console_engine(database_url: str) -> Iterator[Engine]:
    """The stories' database on SQLite and PostgreSQL (the module's own, migrated)."""
    engine = make_engine(database_url)
    for person in (ADMIN, STAFF):
        add_person(engine, person, datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    yield engine
    engine.dispose()


@pytest.fixture
def console_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        clinic_timezone="America/New_York",
    )


def _texts(console_app, clock: Clock, sender: str, words: str) -> str:  # type: ignore[no-untyped-def]
    """A patient's text, taken in as Twilio's webhook would; returns what was printed."""
    out = io.StringIO()
    simulate_reply(console_app.settings, console_app.engine, sender, words, clock.now, out)
    return out.getvalue()


def test_nurse_calls_the_patient_with_an_urgent_reply_and_today_follows_the_inbox(
    page, console_app, console_clock
):
    seed_demo(console_app.base_url, console_app.engine, console_clock.now)
    answer = _texts(console_app, console_clock, MARIA, "I can't feel my legs and can't pee")
    assert "[console sms] to +1******0142" in answer and "911" in answer  # answered
    page.clock.install(time=datetime.now(UTC))  # the refresh timer, driven by the test
    sign_in(page, STAFF)

    urgent = page.locator("#urgent + p + table")
    assert "Maria Lopez" in urgent.inner_text() and "Helen Brooks" in urgent.inner_text()
    call = urgent.get_by_role("link", name=f"Call {MARIA}")
    assert call.get_attribute("href") == "tel:+12125550142"
    cards = " ".join(page.locator(".cards").inner_text().split())
    assert "2 urgent replies not handled" in cards
    assert "+1212" not in page.locator("main").inner_text()  # read nationally, dialled E.164
    assert_accessible(page)

    # The inbox item: a person's voice first, the text after.
    page.goto("/inbox")
    row = page.locator("tr", has_text="Maria Lopez")
    assert row.get_by_role("link", name=f"Call {MARIA}").is_visible()
    row.get_by_role("link", name="Answer or mark handled").click()
    headings = page.locator("h2").all_inner_texts()
    assert headings.index("Call Maria Lopez now") < headings.index("Answer with a text")
    expect(page.locator(".call-now").get_by_role("link", name=f"Call {MARIA}")).to_have_attribute(
        "href", "tel:+12125550142"
    )
    assert_accessible(page)

    # Her own page says it too, above everything else.
    page.goto(f"/patients/{_patient_id(console_app, 'Lopez')}")
    expect(page.locator(".call-now h2")).to_have_text("Call Maria Lopez now")

    # Handled in the inbox: it leaves Today's urgent list at once.
    page.locator(".urgent-replies a").click()
    page.get_by_label("Note (optional)").fill("Called; sent to the emergency room")
    page.get_by_role("button", name="Mark as handled").click()
    page.goto("/")
    urgent_text = page.locator("#urgent + p + table").inner_text()
    assert "Maria Lopez" not in urgent_text and "Helen Brooks" in urgent_text
    cards = " ".join(page.locator(".cards").inner_text().split())
    assert "1 urgent reply not handled" in cards and "1 reply waiting for a person" in cards

    # A new urgent reply arrives while Today is open: it shows within 30 seconds.
    _texts(console_app, console_clock, JAMES, "the wound is bleeding and I have a fever")
    page.clock.run_for(31_000)
    expect(page.locator("#urgent + p + table")).to_contain_text("James Carter")
    expect(page.locator(".cards")).to_contain_text("2 urgent replies not handled")


def test_front_desk_calls_a_patient_who_replied_stop_and_is_asked_about_a_past_date(
    page, console_app, console_clock
):
    demo = seed_demo(console_app.base_url, console_app.engine, console_clock.now)
    _texts(console_app, console_clock, JAMES, "STOP")
    sign_in(page, STAFF)

    to_call = page.locator("#to-call + p + table").inner_text()
    assert "James Carter" in to_call and "Replied STOP on Monday 1 March 2027" in to_call
    # Wei Chen's last text failed: he is called too; Maria, texted fine, is not.
    assert "Wei Chen" in to_call and "unknown destination handset" in to_call
    assert "Maria Lopez" not in to_call
    assert "(312) 555-0177" in to_call
    assert_accessible(page)

    page.goto(f"/procedures/{demo.procedure_ids['Carter']}")
    banner = page.locator(".notice--warning").first.inner_text()
    assert "No texts are being sent: the patient replied STOP on Monday 1 March 2027" in banner
    assert "Ask them to text START" in banner
    assert "Texts go to" not in page.locator("main").inner_text()
    page.goto(f"/patients/{demo.patient_ids['Carter']}")
    assert "No texts are being sent" in page.locator(".notice--warning").first.inner_text()
    assert_accessible(page)

    # A procedure typed for last month is asked about, with what it does to the texts.
    page.goto(f"/patients/{demo.patient_ids['Lopez']}")
    page.get_by_label("Date and time of the procedure").fill("2027-02-24T08:00")
    page.get_by_role("button", name="Book procedure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book the procedure on this date?")
    main = page.locator("main").inner_text()
    assert "This date has already passed" in main
    skipped = page.locator("h3", has_text="Texts that would be skipped").locator("+ ul")
    assert "Prep week" in skipped.inner_text() and "Fasting" in skipped.inner_text()
    late = page.locator("h3", has_text="Texts that would go out late").locator("+ ul")
    assert "instead of" in late.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm: book it on this date").click()
    expect(page.locator("h1")).to_contain_text("MILD procedure, Wednesday 24 February 2027")

    # A visit typed for next year's date is asked about too.
    page.get_by_label("Visit", exact=True).select_option("wound_check")
    page.get_by_label("Date and time of the visit").fill("2028-03-04T10:00")
    page.get_by_role("button", name="Check the booking").click()
    assert "This date is more than a year ahead" in page.locator("main").inner_text()


def _patient_id(console_app, family: str) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from service.patients.models import Patient

    with Session(console_app.engine) as session:
        found = session.exec(select(Patient).where(Patient.family_name == family)).one()
        assert found.id is not None
        return found.id
