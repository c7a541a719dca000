"""Browser story: the Today page of a small clinic on Monday 1 March 2027, 9am New York."""

from tests.console.conftest import STAFF, assert_accessible, sign_in
from tests.support.demo_data import seed_demo


def _section(page, heading):
    """The text of the table (or empty message) under an h2."""
    return page.evaluate(
        """(heading) => {
            const all = [...document.querySelectorAll('h2')];
            const h = all.find(e => e.textContent.trim() === heading);
            let out = '', node = h.nextElementSibling;
            while (node && node.tagName !== 'H2') {
                out += node.innerText + '\\n';
                node = node.nextElementSibling;
            }
            return out;
        }""",
        heading,
    )


def test_front_desk_sees_the_clinics_day_at_a_glance(page, console_app, console_clock):
    seed_demo(console_app.base_url, console_app.engine, console_clock.now)
    sign_in(page, STAFF)

    assert "Monday 1 March 2027" in page.get_by_role("heading", level=1).inner_text()
    today = _section(page, "Procedures today")
    assert "1:30pm New York time" in today and "Maria Lopez" in today
    assert "James Carter" not in today
    tomorrow = _section(page, "Procedures tomorrow")
    assert "8am Chicago time" in tomorrow and "James Carter" in tomorrow
    assert "10:30am Los Angeles time" in tomorrow and "Rosa Jiménez" in tomorrow

    due = _section(page, "Texts due in the next 24 hours")
    # James's fasting text goes out the evening before, at 6pm in Chicago.
    assert "Monday 1 March 2027, 6pm Chicago time\tJames Carter\tFasting" in due
    # Helen's procedure is a week away: her week-before text is due at 9am in Denver.
    assert "Monday 1 March 2027, 9am Denver time\tHelen Brooks\tPrep week" in due
    # The opt-out line rides on each first text: not listed as a text of its own.
    assert "How to stop" not in due and "Opt out notice" not in due

    failed = _section(page, "Failed texts")
    assert "Wei Chen" in failed and "unknown destination handset (30005)" in failed
    urgent = _section(page, "Urgent replies")
    assert "Helen Brooks" in urgent and "Denver time" in urgent
    assert "numb" not in urgent  # the words stay on the patient's page
    cards = " ".join(page.locator(".cards").inner_text().split())
    assert "1 urgent reply" in cards and "1 failed text" in cards
    assert "1 worker sending texts" in cards
    assert_accessible(page)


def test_today_warns_when_no_worker_is_sending(page, console_app):
    sign_in(page, STAFF)
    assert "No worker is running: texts are not going out" in page.locator(".cards").inner_text()
    assert "No procedures today." in page.locator("main").inner_text()


def test_today_reads_well_on_a_phone(page, console_app, console_clock):
    seed_demo(console_app.base_url, console_app.engine, console_clock.now)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, STAFF)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width} px)"
    assert_accessible(page)
