"""`make screenshots`: the console's main pages, 1280 px wide, with a small demo clinic,
written to docs/screenshots/ for the README.

    python -m tests.support.screenshots

Add a page by adding a line to PAGES.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from service.config import Settings
from service.db import make_engine, session_scope
from service.users.service import create_user
from tests.conftest import Clock, run_migrations
from tests.support.console_server import chromium_args, chromium_path, serve_in_thread
from tests.support.demo_data import seed_demo

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NOW = datetime(2027, 3, 1, 14, 0, tzinfo=UTC)  # Monday 9am in New York
PEOPLE = {
    "admin": ("ada.okafor@lakeside.example", "Ada Okafor", "demo admin password"),
    "staff": ("sam.patel@lakeside.example", "Sam Patel", "demo staff password"),
}

# (path, file, signed in as "staff" | "admin" | None, whole page?)
PAGES: list[tuple[str, str, str | None, bool]] = [
    ("/login", "login.png", None, False),
    ("/", "today.png", "staff", True),
    ("/patients?q=lo", "patient-search.png", "staff", False),
    ("/patients/new", "enroll.png", "staff", True),
    ("/patients/1", "patient.png", "staff", True),
    ("/procedures/1", "procedure.png", "staff", True),
    ("/procedures/3/print", "procedure-print-es.png", "staff", True),
    ("/inbox", "inbox.png", "staff", True),
    ("/inbox/1", "inbox-reply.png", "staff", True),
    ("/templates", "templates.png", "staff", False),
    ("/templates/prep_week/es", "template-edit.png", "admin", True),
    ("/plan", "plan.png", "admin", False),
    ("/plan/apply-to-pending", "plan-dry-run.png", "admin", False),
    ("/users", "users.png", "admin", True),
    ("/api-keys", "api-keys.png", "admin", True),
    ("/audit", "audit.png", "admin", False),
    ("/docs", "api-docs.png", None, False),
]


def main() -> None:
    executable = chromium_path()
    if executable is None:
        raise SystemExit("chromium is missing: run `make chromium` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        run_migrations(url)
        engine = make_engine(url)
        with session_scope(engine) as session:
            for role, (email, name, password) in PEOPLE.items():
                create_user(session, email=email, name=name, role=role, password=password, now=NOW)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            clinic_name="Lakeside Spine",
            clinic_phone="(555) 201-3344",
            clinic_timezone="America/New_York",
        )
        with (
            serve_in_thread(settings, engine, Clock(NOW)) as app,
            sync_playwright() as playwright,
        ):
            seed_demo(app.base_url, engine, NOW)
            browser = playwright.chromium.launch(executable_path=executable, args=chromium_args())
            pages = {}
            for who in (None, "staff", "admin"):
                context = browser.new_context(
                    base_url=app.base_url, viewport={"width": 1280, "height": 800}
                )
                page = context.new_page()
                if who is not None:
                    email, _, password = PEOPLE[who]
                    page.goto("/login")
                    page.get_by_label("Email address").fill(email)
                    page.get_by_label("Password").fill(password)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_load_state()
                pages[who] = page
            for path, name, who, whole in PAGES:
                page = pages[who]
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / name), full_page=whole)
                print(f"wrote docs/screenshots/{name} ({path})")
            browser.close()
        engine.dispose()


if __name__ == "__main__":
    main()
