"""Browser stories: signing in and out, and the session's limits."""

from sqlmodel import Session, select

from service.users.models import ConsoleSession, User
from service.users.service import disable_user
from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in


def test_staff_member_signs_in_after_mistyping_the_password(page, console_app):
    page.goto("/")
    assert page.url.endswith("/login")
    assert_accessible(page)

    page.get_by_label("Email address").fill(STAFF.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    assert "The email or password is wrong" in summary.inner_text()
    # console.js (allowed by the CSP as a file from the site) moves focus to the summary.
    assert page.evaluate("document.activeElement.id") == ""
    assert page.evaluate("document.activeElement.dataset.module") == "error-summary"
    assert page.locator("#email-error").inner_text().endswith("The email or password is wrong")
    assert page.get_by_label("Email address").input_value() == STAFF.email
    assert page.get_by_label("Password").input_value() == ""
    assert_accessible(page)
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "email"

    page.get_by_label("Password").fill(STAFF.password)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    assert "Signed in as Sam Patel" in page.locator("header").inner_text()
    assert_accessible(page)


def test_page_asked_for_before_signing_in_opens_after_it(page, console_app):
    page.goto("/users")
    assert "/login?next=" in page.url
    sign_in_form(page, ADMIN.email, ADMIN.password)
    page.wait_for_url("**/users")
    assert page.get_by_role("heading", level=1).inner_text() == "Users"


def sign_in_form(page, email, password):
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    # The click only starts the form's navigation; wait for the page it leads to.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_signing_out_ends_the_session_for_good(page, console_app):
    sign_in(page, STAFF)
    cookie = next(c for c in page.context.cookies() if c["name"] == "console_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Sign out").click()
    assert "/login" in page.url
    assert "You have signed out" in page.get_by_role("status").inner_text()

    # The old cookie, replayed, opens nothing: the session ended on the server.
    page.context.add_cookies([cookie])
    page.goto("/")
    assert "/login" in page.url


def test_form_posted_without_its_token_is_refused_and_changes_nothing(page, console_app):
    sign_in(page, STAFF)
    refused = page.request.post("/logout", form={})
    assert refused.status == 403
    assert "did not come from this site" in refused.text()
    forged = page.request.post("/logout", form={"csrf_token": "guessed"})
    assert forged.status == 403

    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    with Session(console_app.engine) as db:
        assert all(s.ended_at is None for s in db.exec(select(ConsoleSession)))


def test_login_without_the_forms_token_is_refused(page, console_app):
    response = page.request.post("/login", form={"email": STAFF.email, "password": STAFF.password})
    assert response.status == 403
    with Session(console_app.engine) as db:
        assert list(db.exec(select(ConsoleSession))) == []


def test_session_ends_after_thirty_idle_minutes(page, console_app, console_clock):
    sign_in(page, STAFF)
    console_clock.advance(minutes=20)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    console_clock.advance(minutes=20)  # 40 since login, 20 since the last page: still in
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")

    console_clock.advance(minutes=30)
    page.goto("/")
    assert "/login" in page.url


def test_disabled_staff_member_is_signed_out_at_once(page, console_app, console_clock):
    sign_in(page, STAFF)
    with Session(console_app.engine) as db:
        person = db.exec(select(User).where(User.email == STAFF.email)).one()
        disable_user(db, person, console_clock.now)
        db.commit()

    page.reload()
    assert "/login" in page.url
    sign_in_form(page, STAFF.email, STAFF.password)
    assert "The email or password is wrong" in page.get_by_role("alert").inner_text()


def test_staff_member_is_kept_out_of_admin_pages(page, console_app):
    sign_in(page, STAFF)
    nav = page.get_by_role("navigation", name="Main").inner_text()
    assert "Users" not in nav and "Audit" not in nav
    response = page.goto("/users")
    assert response.status == 403
    assert "This page is for admins" in page.locator("main").inner_text()
    assert_accessible(page)


def test_keyboard_user_skips_the_header_and_sees_where_focus_is(page, console_app):
    sign_in(page, STAFF)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    assert skip.is_visible() and skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # A fresh visit (not a reload of /#main, which would start tabbing inside the page).
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Lakeside Spine"
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] != "none" and focused[1] != "0px"
