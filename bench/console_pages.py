"""Console pages on PostgreSQL with 10,000 patients and 150,000 reminders: p50 and p95
of each page in PAGES, signed in as staff, against `reminders api` in its own process.

    .venv/bin/python -m bench.console_pages [--requests N]   (make bench runs it)

Writes bench/CONSOLE_RESULTS.md. Add a page by adding a line to PAGES.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from service.db import make_engine, session_scope
from service.users.service import create_user
from tests.conftest import run_migrations
from tests.support.net import free_port, log_tail
from tests.support.postgres import reset_database, throwaway_postgres

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = 10_000
REMINDERS_PER_PATIENT = 15  # 150,000 in all
TARGET_P95_MS = 150.0
EMAIL, PASSWORD = "bench.staff@lakeside.example", "bench staff password"

# (path, what it shows)
PAGES: list[tuple[str, str]] = [
    ("/", "Today"),
]


def seed(url: str, now: datetime) -> None:
    """Procedures spread over 90 days around `now`; each patient's 15 texts are sent before
    now and pending after; 1 in 100 failed; 1 in 50 patients replied, 1 in 5 of those urgent."""
    params = {"n": PATIENTS, "k": REMINDERS_PER_PATIENT, "now": now}
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patient (id, given_name, family_name, phone, timezone, language,"
                " sms_consent, consent_recorded_at, created_at)"
                " SELECT g, 'Pat', 'Number' || g, '+1202' || lpad(g::text, 7, '0'),"
                " (ARRAY['America/New_York','America/Chicago','America/Denver',"
                "'America/Los_Angeles'])[1 + g % 4], 'en', true, :now, :now"
                " FROM generate_series(1, CAST(:n AS int)) g"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO procedure (id, patient_id, scheduled_at, status, created_at,"
                " updated_at) SELECT g, g,"
                " CAST(:now AS timestamptz)"
                " + make_interval(mins => g * 129600 / CAST(:n AS int) - 64800),"
                " 'scheduled', :now, :now FROM generate_series(1, CAST(:n AS int)) g"
            ),
            params,
        )
        # Reminder i of a procedure is due (i - 7) days from it, at the procedure's minute.
        conn.execute(
            text(
                "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at,"
                " useful_until, status, status_reason, attempts, next_attempt_at, created_at,"
                " updated_at)"
                " SELECT p.id, p.patient_id, 'ice', i, d, d + interval '1 day',"
                "  CASE WHEN d < :now AND (p.id + i) % 100 = 0 THEN 'failed'"
                "       WHEN d < :now THEN 'sent' ELSE 'pending' END,"
                "  CASE WHEN d < :now AND (p.id + i) % 100 = 0"
                "       THEN 'carrier: unreachable handset (30003)' END,"
                "  1, CASE WHEN d >= :now THEN d END, :now, :now"
                " FROM procedure p, generate_series(1, CAST(:k AS int)) i,"
                " LATERAL (SELECT p.scheduled_at + make_interval(days => i - 7) AS d) due"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO message (patient_id, procedure_id, direction, phone, body, steps,"
                " language, status, gateway, urgent, created_at, updated_at)"
                " SELECT g, g, 'inbound', '+1202' || lpad(g::text, 7, '0'), 'a reply', '',"
                " 'en', 'received', 'twilio', (g - 1) % 250 = 0,"
                " CAST(:now AS timestamptz) - make_interval(mins => g % 20160), :now"
                " FROM generate_series(1, CAST(:n AS int), 50) g"
            ),
            params,
        )
        for table in ("patient", "procedure"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), CAST(:n AS int))"),
                params,
            )
        conn.execute(text("ANALYZE"))
    with session_scope(engine) as session:
        create_user(
            session, email=EMAIL, name="Bench Staff", role="staff", password=PASSWORD, now=now
        )
    engine.dispose()


def start_api(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "API_WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("reminders")), "api"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the API did not start:\n{log_tail(log)}")


def sign_in(client: httpx.Client) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.status_code


def cpu_seconds(pid: int) -> float:
    """CPU time the API process has used (user + system): unlike latency, a busy machine
    does not inflate it."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    for _ in range(5):  # warm the pool and the caches
        client.get(path)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    # A benchmark, not a test: the data is laid around the real "now" the API will read.
    now = datetime.now(UTC).replace(microsecond=0)
    rows = []
    load_before = os.getloadavg()[0]
    with throwaway_postgres() as url:
        reset_database(url)
        run_migrations(url)
        seed(url, now - timedelta(minutes=1))
        log = ROOT / ".cache" / "bench-console-api.log"
        log.parent.mkdir(exist_ok=True)
        process, base = start_api(url, log)
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                sign_in(client)
                for path, label in PAGES:
                    cpu_before = cpu_seconds(process.pid)
                    p50, p95 = measure(client, path, args.requests)
                    cpu = (cpu_seconds(process.pid) - cpu_before) * 1000 / (args.requests + 5)
                    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
                    rows.append(
                        f"| {label} | `{path}` | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {verdict} |"
                    )
                    print(rows[-1], flush=True)
        finally:
            process.terminate()
            process.wait(20)
    report = ROOT / "bench" / "CONSOLE_RESULTS.md"
    report.write_text(
        "# Console pages\n\n"
        f"PostgreSQL, {PATIENTS:,} patients, {PATIENTS * REMINDERS_PER_PATIENT:,} reminders, "
        f"one `reminders api` process, {args.requests} sequential requests per page signed "
        f"in as staff (`python -m bench.console_pages`). Target: p95 under "
        f"{TARGET_P95_MS:.0f} ms. Load average during the run: {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores (a busy machine "
        "inflates p95 most).\n\n"
        "| page | path | p50 ms | p95 ms | API CPU ms per request | target |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    print(f"wrote {report.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
