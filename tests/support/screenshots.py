"""`make screenshots`: the console's main pages, 1280 px wide, with a small demo clinic,
written to docs/screenshots/ for the README.

    python -m tests.support.screenshots
    python -m tests.support.screenshots check-ins.png   # only the files named

Add a page by adding a line to PAGES.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from service.patients.schemas import PatientCreate
from service.patients.service import enroll_patient
from service.procedures.service import schedule_procedure
from service.timeline.plan import DEFAULT_PLAN
from service.users.service import create_user
from tests.conftest import Clock, run_migrations
from tests.support.check_ins import answer_check_ins
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
    # A patient six weeks after the procedure (seed_recovery): the check-ins chart.
    ("/procedures/6#check-ins", "check-ins.png", "staff", False),
    ("/outcomes?since=2027-01-01&until=2027-02-28", "outcomes.png", "admin", False),
    ("/check-in-questions", "check-in-questions.png", "admin", True),
    ("/imports/new", "import.png", "staff", False),
    ("/feeds", "feeds.png", "admin", False),
]


def seed_recovery(engine: Engine, now: datetime) -> None:
    """Grace Kim, six weeks after her procedure, who answered every check-in so far."""
    with session_scope(engine) as session:
        desk, _ = create_api_key(session, role="staff", name="demo recovery", now=now)
        patient = enroll_patient(
            session,
            PatientCreate(
                given_name="Grace",
                family_name="Kim",
                phone="(617) 555-0133",
                timezone="America/New_York",
                sms_consent=True,
            ),
            Settings(_env_file=None),  # type: ignore[call-arg]
            desk,
            now - timedelta(days=60),
        )
        procedure = schedule_procedure(
            session,
            patient,
            datetime(2027, 1, 12, 8, 0),
            DEFAULT_PLAN,
            desk,
            now - timedelta(days=60),
        )
        answers = {
            ("pain", -7): 8, ("walking", -7): 5, ("pain", 3): 6, ("walking", 3): 10,
            ("pain", 14): 4, ("walking", 14): 20, ("pain", 42): 2, ("walking", 42): 45,
        }  # fmt: skip
        answer_check_ins(session, procedure, answers, now)


def seed_feed(engine: Engine, settings: Settings) -> None:
    """A morning of the scheduling feed: the held-out messages of tests/hl7_corpus/, as the
    interface engine would send them (one not ours, one refused among them)."""
    from service.intake.hl7.handler import Hl7Feed

    feed = Hl7Feed(engine, settings, Clock(NOW))
    corpus = Path(__file__).resolve().parents[1] / "hl7_corpus"
    for message in sorted((corpus / "heldout_round2").glob("*.hl7")):
        feed.handle(message.read_bytes())


def main(only: list[str]) -> None:
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
            seed_recovery(engine, NOW)
            seed_feed(engine, settings)
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
                if only and name not in only:
                    continue
                page = pages[who]
                page.goto(path)
                page.wait_for_load_state("networkidle")
                if "#" in path:  # one section of the page
                    section = page.locator(f"section:has(#{path.split('#')[1]})")
                    section.screenshot(path=str(OUT / name))
                else:
                    page.screenshot(path=str(OUT / name), full_page=whole)
                print(f"wrote docs/screenshots/{name} ({path})")
            browser.close()
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
