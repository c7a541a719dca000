"""Browser stories of the rough edges a new user met on the console, walked once each:
the plan editor's words follow the plan, a move's preview fits a screen, the console
never answers in JSON, and people change their own password. (Disabling a person and
revoking a key, asked first, are in test_admin_pages.py.)"""

from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in
from tests.support.clinic_api import api_client, enroll_and_book


def test_admin_plans_five_ice_days_and_the_texts_say_five(page, console_app, console_clock):
    sign_in(page, ADMIN)
    page.goto("/plan")
    warning = page.get_by_role("row", name="Warning signs")
    assert "Days +2 and +7" in warning.inner_text().replace("\u2212", "-")
    assert "Days +1 to +7" in page.get_by_role("row", name="Ice").inner_text()
    assert page.get_by_label("Ice: Send").is_checked()
    time_input = page.get_by_label("Ice: local time")
    # The whole time shows (hours, minutes, am/pm), not cut off by the column.
    assert time_input.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.get_by_label("Ice: repetitions").fill("5")
    page.get_by_role("button", name="Save as a new version").click()
    assert "Days +1 to +5" in page.get_by_role("row", name="Ice").inner_text()

    with api_client(console_app, console_clock()) as api:
        _, procedure = enroll_and_book(
            api, "Maria", "Lopez", "(212) 555-0142", "America/New_York", "2027-03-16T07:00:00"
        )
    page.goto(f"/procedures/{procedure}")
    words = page.locator("table.timeline").inner_text()
    assert "Ice day 5 of 5, the last" in words and "of 7" not in words
    assert "Ice day 6" not in words
    assert_accessible(page)

    # The move's preview: the new date first, the button next, one row per text.
    page.get_by_label("New date and time").fill("2027-03-23T07:00")
    page.get_by_role("button", name="Check the move").click()
    assert "New date and time: Tuesday 23 March 2027, 7am" in page.locator("main").inner_text()
    confirm = page.get_by_role("button", name="Confirm: move the procedure")
    assert confirm.bounding_box()["y"] < 900  # reachable without scrolling
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height  # was 7,300 px, a row per step with every text's words
    # One row per text: no two rows of the moved texts go out at the same time.
    moved = page.locator("h2:has-text('Texts that move') + table tbody tr td[data-label='Now']")
    times = moved.all_inner_texts()
    assert times and len(times) == len(set(times)), times
    assert_accessible(page)
    page.get_by_role("link", name="Keep things as they are").click()

    # Cancelling is dangerous: its confirmation is the red button.
    page.get_by_role("button", name="Check the cancellation").last.click()
    cancel = page.get_by_role("button", name="Confirm: cancel the procedure")
    assert "button--warning" in (cancel.get_attribute("class") or "")

    # The week's procedures page to the next and back.
    page.goto("/procedures?from=2027-03-15")
    page.get_by_role("link", name="Next week").click()
    assert "from=2027-03-22" in page.url
    page.get_by_role("link", name="Previous week").click()
    assert "Maria Lopez" in page.locator("table").inner_text()

    # The audit names the patient for an admin.
    page.goto(f"/procedures/{procedure}")
    page.goto("/audit")
    assert "Maria Lopez" in page.locator("table").inner_text()


def test_a_lost_address_gets_a_page_and_a_person_changes_their_own_password(page, console_app):
    sign_in(page, STAFF)
    page.goto("/no-such-page")
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "Today" in page.locator("main").inner_text()
    assert_accessible(page)
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")

    assert f"Signed in as {STAFF.name}" in page.locator("header").inner_text()  # menu kept

    # Their own password, changed without an admin.
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("copper kettle forty-seven beneath the eaves")
    page.get_by_role("button", name="Change my password").click()
    assert "current password is wrong" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_label("Current password").fill(STAFF.password)
    page.get_by_label("New password").fill("copper kettle forty-seven beneath the eaves")
    page.get_by_role("button", name="Change my password").click()
    assert "Password changed" in page.get_by_role("status").inner_text()
    page.get_by_label("Email address").fill(STAFF.email)
    page.get_by_label("Password").fill("copper kettle forty-seven beneath the eaves")
    page.get_by_role("button", name="Sign in").click()
    assert f"Signed in as {STAFF.name}" in page.locator("header").inner_text()
