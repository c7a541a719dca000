"""Browser stories for admins: users, API keys and the audit."""

import httpx
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.auth.keys import create_api_key
from service.db import session_scope
from service.users.models import User
from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in


def _fill_new_user(page, name, email, role, password):
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role").select_option(role)
    page.get_by_label("First password").fill(password)
    page.get_by_role("button", name="Add user").click()


def test_admin_adds_a_staff_member_who_can_then_sign_in(page, browser, console_app):
    sign_in(page, ADMIN)
    page.goto("/users")
    assert_accessible(page)

    _fill_new_user(page, "Lee Chan", "not an email", "staff", "short")
    summary = page.get_by_role("alert").inner_text()
    assert "Enter an email address like name@example.org" in summary
    assert page.get_by_label("Full name").input_value() == "Lee Chan"
    assert page.get_by_label("Email address").input_value() == "not an email"
    assert_accessible(page)
    with Session(console_app.engine) as db:
        assert db.exec(select(User).where(User.name == "Lee Chan")).first() is None

    page.get_by_label("Email address").fill("lee.chan@lakeside.test")
    page.get_by_label("First password").fill("short")
    page.get_by_role("button", name="Add user").click()
    assert "at least 10 characters" in page.get_by_role("alert").inner_text()

    # A common password, then one with the person's name: each refused, saying why.
    page.get_by_label("First password").fill("password12")
    page.get_by_role("button", name="Add user").click()
    assert "this is a very common password" in page.get_by_role("alert").inner_text()
    page.get_by_label("First password").fill("lee's first password")
    page.get_by_role("button", name="Add user").click()
    assert "must not contain the person's name" in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    page.get_by_label("First password").fill("copper kettle harbour")
    page.get_by_role("button", name="Add user").click()
    assert "Lee Chan can now sign in." in page.get_by_role("status").inner_text()
    assert "lee.chan@lakeside.test" in page.get_by_role("table").inner_text()

    with Session(console_app.engine) as db:
        entry = db.exec(select(AuditEntry).where(AuditEntry.entity == "user")).one()
        admin_id = db.exec(select(User.id).where(User.email == ADMIN.email)).one()
    assert (entry.action, entry.actor_user_id, entry.actor_name) == (
        "create",
        admin_id,
        "Ada Okafor",
    )

    other = browser.new_context(base_url=console_app.base_url).new_page()
    other.goto("/login")
    other.get_by_label("Email address").fill("lee.chan@lakeside.test")
    other.get_by_label("Password").fill("copper kettle harbour")
    other.get_by_role("button", name="Sign in").click()
    assert "Signed in as Lee Chan" in other.locator("header").inner_text()
    other.context.close()


def test_admin_disables_a_staff_member_who_is_signed_out_at_once(page, browser, console_app):
    staff_page = browser.new_context(base_url=console_app.base_url).new_page()
    sign_in(staff_page, STAFF)

    sign_in(page, ADMIN)
    page.goto("/users")
    page.get_by_role("button", name=f"Disable {STAFF.name}").click()
    # Asked first, nothing done yet: the staff member is still signed in.
    assert page.get_by_role("heading", level=1).inner_text() == f"Disable {STAFF.name}?"
    assert_accessible(page)
    staff_page.reload()
    assert "/login" not in staff_page.url
    page.get_by_role("button", name=f"Disable {STAFF.name}").click()
    assert f"{STAFF.name} is disabled and signed out." in page.get_by_role("status").inner_text()
    assert "Disabled" in page.get_by_role("row", name=STAFF.name).inner_text()

    staff_page.reload()
    assert "/login" in staff_page.url

    # Back from leave: enabled again, the same password works.
    page.get_by_role("button", name=f"Enable {STAFF.name}").click()
    assert "can sign in again" in page.get_by_role("status").inner_text()
    assert "Active" in page.get_by_role("row", name=STAFF.name).inner_text()
    sign_in(staff_page, STAFF)
    assert f"Signed in as {STAFF.name}" in staff_page.locator("header").inner_text()
    staff_page.context.close()


def test_admin_resets_a_password_and_the_old_one_stops_working(page, browser, console_app):
    sign_in(page, ADMIN)
    page.goto("/users")
    page.get_by_role("link", name=f"Reset password of {STAFF.name}").click()
    assert_accessible(page)
    page.get_by_label("New password").fill("too short")
    page.get_by_role("button", name="Set new password").click()
    assert "at least 10 characters" in page.get_by_role("alert").inner_text()
    page.get_by_label("New password").fill("aaaaaaaaaa")
    page.get_by_role("button", name="Set new password").click()
    assert 'repeats like "aaa" are easy to guess' in page.get_by_role("alert").inner_text()
    page.get_by_label("New password").fill("second quiet lantern")
    page.get_by_role("button", name="Set new password").click()
    assert "New password set for Sam Patel" in page.get_by_role("status").inner_text()

    staff = browser.new_context(base_url=console_app.base_url).new_page()
    sign_in(staff, STAFF)
    assert "The email or password is wrong" in staff.get_by_role("alert").inner_text()
    staff.get_by_label("Password").fill("second quiet lantern")
    staff.get_by_role("button", name="Sign in").click()
    assert "Signed in as Sam Patel" in staff.locator("header").inner_text()
    staff.context.close()


def test_admin_creates_an_api_key_sees_its_secret_once_and_revokes_it(
    page, console_app, console_clock
):
    with session_scope(console_app.engine) as db:
        create_api_key(db, role="admin", name="bootstrap", now=console_clock.now)
    sign_in(page, ADMIN)
    page.goto("/api-keys")
    assert_accessible(page)

    page.get_by_label("What will use it").fill("EHR interface")
    page.get_by_label("Role").select_option("staff")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("mr_")
    assert_accessible(page)
    api = httpx.Client(base_url=console_app.base_url, headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/v1/reminders").status_code == 200

    page.goto("/api-keys")
    assert secret not in page.content()
    assert secret[:10] in page.get_by_role("row", name="EHR interface").inner_text()
    page.get_by_role("button", name="Revoke EHR interface").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Revoke the key")
    assert api.get("/v1/reminders").status_code == 200  # only asked, so far
    assert_accessible(page)
    page.get_by_role("button", name="Revoke the key").click()
    assert "is revoked" in page.get_by_role("status").inner_text()
    assert api.get("/v1/reminders").status_code == 401

    # The last admin key is kept, as over the API.
    page.get_by_role("button", name="Revoke bootstrap").click()
    page.get_by_role("button", name="Revoke the key").click()
    assert page.get_by_role("heading", level=1).inner_text() == "This could not be done"
    assert "last active admin key" in page.locator("main").inner_text()


def test_admin_filters_the_audit_by_patient_and_date(page, console_app, console_clock):
    from service.audit.service import audit

    with session_scope(console_app.engine) as db:
        admin = db.exec(select(User).where(User.email == ADMIN.email)).one()
        audit(db, admin, "read", "patient", 7, 7, at=console_clock.now)
        audit(db, admin, "read", "patient", 8, 8, at=console_clock.now)
    sign_in(page, ADMIN)
    page.goto("/audit")
    assert_accessible(page)
    table = page.get_by_role("table").inner_text()
    assert "Patient 7" in table and "Patient 8" in table

    page.get_by_label("Patient number").fill("7")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("table").inner_text()
    assert "Patient 7" in table and "Patient 8" not in table
    assert "Ada Okafor (person)" in table
    assert "Monday 1 March 2027, 9am New York time" in table

    page.get_by_label("From").fill("2027-03-02")
    page.get_by_role("button", name="Filter").click()
    assert "No audit entries match this filter." in page.locator("main").inner_text()

    page.goto("/audit?patient_id=seven")
    assert "Patient number must be a whole number" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
