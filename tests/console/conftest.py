"""Browser stories: the real app on a port, a migrated throwaway SQLite database with
an admin and a staff member, and a Playwright page in Debian's chromium.

Under CI=true a missing chromium or Playwright fails these tests; elsewhere they skip.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.config import Settings
from service.db import make_engine
from tests.conftest import Clock
from tests.support.ci import in_ci
from tests.support.console_server import (
    ADMIN,
    STAFF,
    Person,
    RunningApp,
    add_person,
    chromium_args,
    chromium_path,
    serious_violations,
    serve_in_thread,
)
from tests.support.schema import copy_sqlite


@pytest.fixture
def console_clock() -> Clock:
    # Monday 1 March 2027, 9:00am in New York: the clinic's morning.
    return Clock(datetime(2027, 3, 1, 14, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def console_database_at_start(
    sqlite_at_head: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The migrated database with the clinic's admin and staff member, made once per run."""
    path = tmp_path_factory.mktemp("console") / "console.db"
    engine = make_engine(copy_sqlite(sqlite_at_head, path))
    for person in (ADMIN, STAFF):
        add_person(engine, person, datetime(2027, 1, 4, 15, 0, tzinfo=UTC))
    engine.dispose()
    return path


@pytest.fixture
def console_engine(console_database_at_start: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(copy_sqlite(console_database_at_start, tmp_path / "console.db"))
    yield engine
    engine.dispose()


@pytest.fixture
def console_settings(console_engine: Engine) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=str(console_engine.url),
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        clinic_timezone="America/New_York",
    )


@pytest.fixture
def console_app(
    console_settings: Settings, console_engine: Engine, console_clock: Clock
) -> Iterator[RunningApp]:
    """The real app served by uvicorn on a free loopback port."""
    with serve_in_thread(console_settings, console_engine, console_clock) as running:
        yield running


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extras install it
        reason = f"Playwright is not installed: {exc}"
        executable = None
    else:
        reason = "chromium is missing: `make test-deps` installs it (apt-get install chromium)"
    if executable is None:
        if in_ci():
            pytest.fail(f"the browser stories need a browser under CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=chromium_args())
        yield browser
        browser.close()


@pytest.fixture
def page(browser, console_app: RunningApp):  # type: ignore[no-untyped-def]
    """A fresh browser tab (own cookies) at 1280 px, relative URLs on the app."""
    context = browser.new_context(
        base_url=console_app.base_url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    # Generous: a loaded CI machine can take seconds to serve a page; a real hang still fails.
    page.set_default_timeout(30_000)
    yield page
    context.close()


def sign_in(page, person: Person) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    # The click only starts the form's navigation; wait for the page it leads to.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe-core violation on the page as it is now."""
    found = serious_violations(page)
    assert found == [], "\n".join(found)
