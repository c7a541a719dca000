"""Passwords people cannot be guessed into: common, breached and patterned ones are refused,
and so is one containing the person's name or email; the refusal says why, in the console
and at the command line. SQLite and PostgreSQL where an account is stored."""

import io

import pytest
from sqlmodel import Session, select

from service.cli import main
from service.errors import InvalidInput
from service.users.models import User
from service.users.passwords import check_password_rules
from tests.support.console_server import ADMIN, csrf_token_of, sign_in_new_person


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", 'repeats like "aaa" are easy to guess'),
        ("password12", "this is a very common password"),
        ("qwertyuiop", "common password"),
        ("1234567890", "easy to guess"),
        ("iloveyou123", "easy to guess"),
        ("Password2024!", "easy to guess"),
    ],
)
def test_common_and_breached_passwords_are_refused_saying_why(password, why):
    with pytest.raises(InvalidInput) as refused:
        check_password_rules(password, name="Dana Reyes", email="dana@lakeside.test")
    assert refused.value.field == "password"
    assert refused.value.message.startswith("the password is too easy to guess: ")
    assert why in refused.value.message.lower()


@pytest.mark.parametrize(
    ("password", "name", "email"),
    [
        ("reyes family holiday 1987", "Dana Reyes", "dana@lakeside.test"),
        ("Maria-Jose harbour kettle", "María José Ortega", "mj@lakeside.test"),
        ("kettle ORTEGA harbour", "María José Ortega", "mj@lakeside.test"),
        ("my login is dreyes77 ok", "Dana Reyes", "dreyes77@lakeside.test"),
    ],
)
def test_a_password_with_the_persons_name_or_email_is_refused(password, name, email):
    with pytest.raises(InvalidInput, match="must not contain the person's name or email"):
        check_password_rules(password, name=name, email=email)


@pytest.mark.parametrize(
    "password", ["a long enough password", "quiet harbour lantern", "7 copper kettles sing"]
)
def test_unrelated_words_make_a_good_password(password):
    check_password_rules(password, name="Dana Reyes", email="dana.reyes@lakeside.test")


def test_the_console_shows_why_a_first_password_is_refused(client, engine, clock):
    sign_in_new_person(client, engine, ADMIN, clock.now)
    for password, why in (
        ("aaaaaaaaaa", "Repeats like"),
        ("password12", "very common password"),
        ("lee chan rules", "must not contain the person"),
    ):
        token = csrf_token_of(client.get("/users").text)
        form = {"name": "Lee Chan", "email": "lee@lakeside.test", "role": "staff"}
        page = client.post("/users", data={**form, "password": password, "csrf_token": token})
        assert page.status_code == 422
        assert why.lower() in page.text.lower()
    with Session(engine) as session:
        assert session.exec(select(User).where(User.email == "lee@lakeside.test")).first() is None


def test_the_command_line_says_why_a_password_is_refused(settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    from service.config import get_settings

    get_settings.cache_clear()
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("password12\n"))
        with pytest.raises(SystemExit) as done:
            main(["user", "create", "--email", "lee@lakeside.test", "--name", "Lee Chan",
                  "--role", "staff", "--password-stdin"])  # fmt: skip
        assert done.value.code == 1
        err = capsys.readouterr().err
        assert err.startswith("password: the password is too easy to guess: this is a very")
    finally:
        get_settings.cache_clear()


def test_passwords_are_kept_as_argon2id_hashes_that_are_slow_to_guess():
    # The suite hashes at Argon2id's smallest cost (tests/conftest.py); the service's own
    # cost must stay above OWASP's floor for Argon2id (19 MiB of memory, 2 passes).
    from tests.conftest import PRODUCTION_HASHER

    stored = PRODUCTION_HASHER.hash("a long and unlikely passphrase")
    kind, _, params = stored.split("$")[1:4]
    cost = dict(pair.split("=") for pair in params.split(","))
    assert kind == "argon2id"
    assert int(cost["m"]) >= 19 * 1024 and int(cost["t"]) >= 2
    assert PRODUCTION_HASHER.verify("a long and unlikely passphrase", stored)
