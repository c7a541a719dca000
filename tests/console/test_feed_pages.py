"""Browser story: the feed's page and the YES call list, accessible (axe)."""

from tests.console.conftest import ADMIN, assert_accessible, sign_in
from tests.support.mllp import MllpClient, ack_code, running_listener
from tests.test_hl7_feed import siu


def test_admin_reads_the_feed_and_the_call_list(
    page, console_app, console_engine, console_settings, console_clock
):
    listening = running_listener(console_engine, console_settings, console_clock)
    with listening as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "P1", start="202703040900"))) == "AA"
        assert ack_code(feed.send(siu("S12", "P2", start="2027"))) == "AE"
    sign_in(page, ADMIN)
    page.goto("/feeds")
    assert_accessible(page)
    rows = page.get_by_role("table").nth(1).locator("tbody tr")
    assert "Error (AE)" in rows.nth(0).inner_text() and "SCH-11" in rows.nth(0).inner_text()
    assert "Accepted (AA)" in rows.nth(1).inner_text()
    page.goto("/")
    assert_accessible(page)
    waiting = page.get_by_role("table", name="Procedures waiting for the patient's YES")
    assert "María José García Núñez" in waiting.inner_text()
