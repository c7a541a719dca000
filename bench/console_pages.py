"""`python -m bench.console_pages`: the console's busiest pages on PostgreSQL with a
clinic's worth of data (10,000 patients, 150,000 reminders, their sent texts).

Starts a throwaway PostgreSQL, seeds it with plain SQL around the real current time,
serves the app with `reminders api` (uvicorn, one process), signs a person in through
the real login form and requests each page in turn: Today, a patient, a procedure
(timeline with every text worded), a patient search. Writes the p50/p95 to
bench/RESULTS.md between the console-pages markers. Target: p95 < 150 ms per page.
"""

import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from bench.patient_search import fill_search_columns
from bench.results import write_section
from service.db import make_engine, session_scope
from service.users.service import create_user
from tests.conftest import run_migrations
from tests.support.net import free_port
from tests.support.postgres import reset_database, throwaway_postgres

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = 10_000
STEPS = [  # (step, day offset): 15 texts per procedure, as the default plan spaces them
    ("prep_week", -7), ("fasting", -1), ("day_of_rest", 0), ("shower", 1),
    *((f"ice:{n}", n) for n in range(1, 8)),
    ("driving", 3), ("wound_check", 6), ("two_week_followup", 13), ("activity_6_weeks", 42),
]  # fmt: skip
REQUESTS = 200
TARGET_MS = 150.0
EMAIL, PASSWORD = "bench@lakeside.test", "quiet harbour lantern"
SURNAMES = ["Lopez", "Garcia", "Smith", "Nguyen", "Johnson", "Brown", "Martinez", "Chen",
            "Williams", "Jones", "Davis", "Rodriguez", "Miller", "Wilson", "Moore", "Taylor",
            "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson", "Clark",
            "Lewis", "Robinson", "Walker", "Young", "Allen", "King"]  # fmt: skip
# Besides the start of a surname: two words, a phone number, an MRN.
SEARCHES = ["maria lo", "+1 202 000 4711", "MRN004711", "gar jam"]
GIVEN = ["Maria", "James", "Rosa", "Wei", "Helen", "John", "Ana", "Robert", "Linda", "David"]


def seed(engine: Engine, now: datetime) -> None:
    """Patients, one procedure each from 90 days ago to 60 days ahead, 15 reminders each
    (sent with their text when due before now, 1 in 100 failed, else pending)."""
    params = {"now": now, "n": PATIENTS, "surnames": SURNAMES, "given": GIVEN}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patient (id, given_name, family_name, phone, mrn, timezone,"
                " language, sms_consent, consent_recorded_at, created_at)"
                " SELECT g, (CAST(:given AS text[]))[1 + g % 10],"
                " (CAST(:surnames AS text[]))[1 + (g / 10) % 30],"
                " '+1202' || lpad(g::text, 7, '0'), 'MRN' || lpad(g::text, 6, '0'),"
                " (ARRAY['America/New_York','America/Chicago','America/Denver',"
                "'America/Los_Angeles'])[1 + g % 4], CASE WHEN g % 5 = 0 THEN 'es' ELSE 'en' END,"
                " true, :now, :now FROM generate_series(1, :n) g"
            ),
            params,
        )
        fill_search_columns(conn)  # what enrollment writes, so the search finds them
        conn.execute(
            text(
                "INSERT INTO procedure (id, patient_id, scheduled_at, status, plan_version,"
                " created_at, updated_at)"
                " SELECT g, g, date_trunc('hour', CAST(:now AS timestamptz))"
                " + make_interval(days => (g % 150) - 90, hours => 12 + g % 5), 'scheduled', 0,"
                " :now, :now FROM generate_series(1, :n) g"
            ),
            params,
        )
        for index, (step, day) in enumerate(STEPS):
            name, _, occurrence = step.partition(":")
            conn.execute(
                text(
                    "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at,"
                    " useful_until, status, status_reason, attempts, next_attempt_at,"
                    " created_at, updated_at)"
                    " SELECT p.id, p.patient_id, :step, :occ, d.due, d.due + interval '1 day',"
                    " CASE WHEN d.due >= :now THEN 'pending' WHEN p.id % 100 = :i"
                    " THEN 'failed' ELSE 'sent' END,"
                    " CASE WHEN d.due < :now AND p.id % 100 = :i"
                    " THEN 'carrier: unknown destination handset (30005)' END,"
                    " CASE WHEN d.due < :now THEN 1 ELSE 0 END,"
                    " CASE WHEN d.due >= :now THEN d.due END, :now, :now"
                    " FROM procedure p, LATERAL (SELECT date_trunc('day', p.scheduled_at)"
                    " + make_interval(days => :day, hours => CASE WHEN :day = 0 THEN 3 ELSE 14 END)"
                    " AS due) d"
                ),
                {**params, "step": name, "occ": int(occurrence or 1), "day": day, "i": index},
            )
        # One text per sent reminder, word for word as long as a real one.
        conn.execute(
            text(
                "WITH sent AS (SELECT id, patient_id, procedure_id, step, due_at FROM reminder"
                " WHERE status = 'sent'), made AS (INSERT INTO message (patient_id,"
                " procedure_id, direction, phone, body, steps, language, status, gateway,"
                " created_at, sent_at, updated_at) SELECT s.patient_id, s.procedure_id,"
                " 'outbound', '+1202' || lpad(s.patient_id::text, 7, '0'),"
                " 'Lakeside Spine: Hi. ' || repeat('Keep the dressing dry today. ', 6),"
                " s.step, 'en', 'delivered', 'console', s.due_at, s.due_at, s.due_at"
                " FROM sent s ORDER BY s.id RETURNING id, procedure_id, steps, sent_at)"
                " UPDATE reminder r SET message_id = m.id FROM made m"
                " WHERE r.procedure_id = m.procedure_id AND r.step = m.steps"
                " AND r.due_at = m.sent_at AND r.status = 'sent'"
            ),
            params,
        )
        for table in ("patient", "procedure", "reminder", "message"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                              f" (SELECT max(id) FROM {table}))"))  # fmt: skip
        conn.execute(text("ANALYZE"))
    with session_scope(engine) as session:
        create_user(session, email=EMAIL, name="Bench Staff", role="staff", password=PASSWORD,
                    now=now)  # fmt: skip


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1",
           "API_WORKERS": "1", "LOG_LEVEL": "WARNING", "CLINIC_NAME": "Lakeside Spine"}  # fmt: skip
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "reminders"), "api"], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the API did not start")


def sign_in(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no login form"
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                         "csrf_token": token.group(1)})  # fmt: skip
    assert answer.status_code == 303, answer.text


def measure(client: httpx.Client, paths: list[str]) -> tuple[float, float]:
    """p50 and p95 in ms over `paths` (after a few warm-up requests)."""
    for path in paths[:5]:
        client.get(path)
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    now = datetime.now(UTC)
    rng = random.Random(7)
    with throwaway_postgres() as url:
        reset_database(url)
        run_migrations(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, now)
        with engine.connect() as conn:
            counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in ("patient", "reminder", "message")}  # fmt: skip
        engine.dispose()
        print(f"seeded {counts} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        port = free_port()
        process = serve(url, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                sign_in(client)
                ids = [rng.randint(1, PATIENTS) for _ in range(REQUESTS)]
                searches = [s[:3].lower() for s in SURNAMES] + SEARCHES
                queries = [rng.choice(searches) for _ in range(REQUESTS)]
                results = {
                    "Today (`/`)": measure(client, ["/"] * REQUESTS),
                    "patient (`/patients/{id}`)": measure(client, [f"/patients/{i}" for i in ids]),
                    "procedure (`/procedures/{id}`)": measure(
                        client, [f"/procedures/{i}" for i in ids]
                    ),
                    "patient search (`/patients?q=`)": measure(
                        client, [f"/patients?q={q}" for q in queries]
                    ),
                }
        finally:
            process.terminate()
            process.wait(30)
    write_results(results, counts, os.getloadavg()[0])


def write_results(
    results: dict[str, tuple[float, float]], counts: dict[str, int], load: float
) -> None:
    rows = "\n".join(
        f"| {page} | {p50:.1f} ms | {p95:.1f} ms | < {TARGET_MS:.0f} ms |"
        f" {'yes' if p95 < TARGET_MS else 'NO'} |"
        for page, (p50, p95) in results.items()
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        "## Console pages\n\n"
        "Reproduce: `.venv/bin/python -m bench.console_pages`. A throwaway PostgreSQL with "
        f"{counts['patient']:,} patients, {counts['reminder']:,} reminders and "
        f"{counts['message']:,} sent texts; `reminders api` (one process); a signed-in "
        f"person requests each page {REQUESTS} times in turn (random patients, procedures "
        f"and searches). Generated {generated}; the machine's load average was {load:.1f} on "
        f"{os.cpu_count()} CPUs (other work shares it, so these are upper bounds).\n\n"
        "| page | p50 | p95 | target (p95) | met |\n|---|---|---|---|---|\n"
        f"{rows}\n"
    )
    write_section("console-pages", section)
    print(section)


if __name__ == "__main__":
    main()
