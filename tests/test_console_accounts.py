"""People's accounts for the console: passwords, sessions, the login throttle, the audit
naming a person, and the `reminders user` commands. SQLite and PostgreSQL."""

import io
import json
import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.audit.service import audit
from service.cli import main
from service.db import session_scope
from service.errors import Conflict, InvalidInput
from service.users.models import ConsoleSession, LoginThrottle, User
from service.users.service import create_user, disable_user, set_password
from tests.support.apps import bound_app
from tests.support.console_server import (
    Person,
    console_sign_in,
    csrf_token_of,
    sign_in_new_person,
)

PASSWORD = "a long enough password"
ADA = Person("ada@lakeside.test", PASSWORD, "Ada", "admin")


@pytest.fixture
def dana(engine, clock) -> User:
    with session_scope(engine) as session:
        return create_user(
            session,
            email="Dana.Reyes@Lakeside.test",
            name="Dana Reyes",
            role="staff",
            password=PASSWORD,
            now=clock.now,
        )


def _post_login(client: TestClient, email: str, password: str):
    token = csrf_token_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def test_password_is_stored_only_as_an_argon2_hash(engine, dana):
    with Session(engine) as session:
        stored = session.get(User, dana.id)
    assert stored.email == "dana.reyes@lakeside.test"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


def test_account_needs_a_free_email_a_name_and_a_long_password(engine, clock, dana):
    with Session(engine) as session:
        with pytest.raises(Conflict) as taken:
            create_user(
                session,
                email="dana.reyes@lakeside.test",
                name="D",
                role="staff",
                password=PASSWORD,
                now=clock.now,
            )
        assert taken.value.field == "email"
        for field, kwargs in {
            "email": {"email": "not-an-email"},
            "name": {"name": "  "},
            "role": {"role": "owner"},
            "password": {"password": "short"},
        }.items():
            values = {
                "email": "new@lakeside.test",
                "name": "New",
                "role": "staff",
                "password": PASSWORD,
                **kwargs,
            }
            with pytest.raises(InvalidInput) as refused:
                create_user(session, now=clock.now, **values)
            assert refused.value.field == field


def test_signed_in_cookie_is_httponly_lax_and_secure_over_https(settings, engine, clock, dana):
    response = _post_login(TestClient(bound_app(settings, engine, clock)), dana.email, PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "console_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie

    https = settings.model_copy(update={"public_base_url": "https://reminders.lakeside.test"})
    client = TestClient(bound_app(https, engine, clock), base_url="https://testserver")
    cookie = _post_login(client, dana.email, PASSWORD).headers["set-cookie"]
    assert "Secure" in cookie


def test_session_ends_twelve_hours_after_login_however_busy(client, clock, dana):
    console_sign_in(client, dana.email, PASSWORD)
    for _ in range(11 * 3 + 2):  # a page every 20 minutes for 11h40
        clock.advance(minutes=20)
        assert client.get("/", follow_redirects=False).status_code == 200
    clock.advance(minutes=20)
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_new_password_ends_the_open_sessions(client, engine, clock, dana):
    console_sign_in(client, dana.email, PASSWORD)
    with session_scope(engine) as session:
        set_password(session, session.get(User, dana.id), "another long password", clock.now)
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _post_login(client, dana.email, PASSWORD).status_code == 400
    assert _post_login(client, dana.email, "another long password").status_code == 303


def test_repeated_wrong_passwords_are_slowed_down_and_logged_without_the_password(
    settings, engine, clock, dana, caplog
):
    caplog.set_level(logging.INFO, logger="reminders.login")
    first = TestClient(bound_app(settings, engine, clock))
    for attempt in range(settings.login_max_failures_per_account):
        assert _post_login(first, dana.email, f"guess number {attempt}").status_code == 400
    # Another API process reads the same counters: the right password is refused too.
    second = TestClient(bound_app(settings, engine, clock))
    throttled = _post_login(second, dana.email, PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed logins" in throttled.text
    logged = caplog.text
    assert "guess number" not in logged and PASSWORD not in logged
    assert "dana.reyes" not in logged and "d***@lakeside.test" in logged

    clock.advance(minutes=settings.login_throttle_minutes + 1)
    assert _post_login(second, dana.email, PASSWORD).status_code == 303
    with Session(engine) as session:
        keys = [row.key for row in session.exec(select(LoginThrottle))]
    assert all("lakeside" not in key for key in keys)  # emails are hashed in the keys


def test_many_accounts_tried_from_one_address_are_slowed_down(settings, engine, clock, dana):
    client = TestClient(bound_app(settings, engine, clock))
    for n in range(settings.login_max_failures_per_address):
        assert _post_login(client, f"someone{n}@lakeside.test", "wrong password").status_code == 400
    assert _post_login(client, dana.email, PASSWORD).status_code == 429


def test_console_pages_carry_the_security_headers_and_the_api_does_not_change(client, dana):
    page = client.get("/login")
    assert page.headers["cache-control"] == "no-store"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    redirect = client.get("/", follow_redirects=False)
    assert redirect.headers["cache-control"] == "no-store"
    assert "content-security-policy" not in client.get("/healthz").headers


def test_audit_names_the_person_who_made_a_change(engine, clock, dana):
    with session_scope(engine) as session:
        person = session.get(User, dana.id)
        audit(session, person, "update", "patient", 7, 7, at=clock.now, after={"status": "x"})
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry)).one()
    assert (entry.actor_user_id, entry.actor_key_id, entry.actor_name) == (
        dana.id,
        None,
        "Dana Reyes",
    )
    assert json.loads(entry.changes)["after"] == {"status": "x"}


def test_last_active_admin_cannot_be_disabled(engine, clock):
    with session_scope(engine) as session:
        admin = create_user(
            session,
            email="ada@lakeside.test",
            name="Ada",
            role="admin",
            password=PASSWORD,
            now=clock.now,
        )
        with pytest.raises(Conflict):
            disable_user(session, admin, clock.now)


def test_cli_creates_a_user_then_resets_and_disables_them(settings, engine, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        with pytest.raises(SystemExit) as done:
            main(
                [
                    "user",
                    "create",
                    "--email",
                    "lee@lakeside.test",
                    "--name",
                    "Lee Chan",
                    "--role",
                    "staff",
                    "--password-stdin",
                ]
            )
        assert done.value.code == 0
        assert "created staff lee@lakeside.test" in capsys.readouterr().out

        # Asked for twice when typed at a terminal.
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        monkeypatch.setattr("sys.stdin.isatty", lambda: True)
        answers = iter(["a brand new password", "a brand new password"])
        monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
        with pytest.raises(SystemExit) as done:
            main(["user", "set-password", "--email", "lee@lakeside.test"])
        assert done.value.code == 0

        with pytest.raises(SystemExit) as done:
            main(["user", "disable", "--email", "LEE@lakeside.test"])
        assert done.value.code == 0
        with pytest.raises(SystemExit) as done:
            main(["user", "disable", "--email", "nobody@lakeside.test"])
        assert done.value.code == 1
        assert "no user with email" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()

    with Session(engine) as session:
        lee = session.exec(select(User).where(User.email == "lee@lakeside.test")).one()
    assert not lee.active
    from service.users.passwords import verify_password

    assert verify_password("a brand new password", lee.password_hash)


def test_logging_out_ends_the_session_on_the_server(client, engine, dana):
    console_sign_in(client, dana.email, PASSWORD)
    token = csrf_token_of(client.get("/").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    with Session(engine) as session:
        row = session.exec(select(ConsoleSession)).one()
    assert row.ended_at is not None
    assert row.ended_at - row.created_at < timedelta(seconds=1)


def test_admin_form_posted_without_its_token_adds_nobody(client, engine, clock):
    sign_in_new_person(client, engine, ADA, clock.now)
    form = {
        "name": "Mallory",
        "email": "mallory@evil.test",
        "role": "admin",
        "password": "a long enough password",
    }
    refused = client.post("/users", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    token = csrf_token_of(client.get("/users").text)
    # Another character first (a random token may already start with "x": 1 in 64).
    other_session_token = ("y" if token.startswith("x") else "x") + token[1:]
    assert (
        client.post("/users", data={**form, "csrf_token": other_session_token}).status_code == 403
    )
    with Session(engine) as session:
        assert session.exec(select(User).where(User.email == "mallory@evil.test")).first() is None
    added = client.post("/users", data={**form, "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303


def test_console_page_for_something_that_does_not_exist_is_an_html_404(client, engine, clock):
    sign_in_new_person(client, engine, ADA, clock.now)
    for path in ("/users/999999/password", "/users/not-a-number/password"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<h1>" in response.text and response.headers["cache-control"] == "no-store"
