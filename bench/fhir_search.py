"""`python -m bench.fhir_search`: FHIR Patient search at 10,000 patients on PostgreSQL.

Seeds a throwaway PostgreSQL with 10,000 patients as bench.patient_search does (accents,
compound surnames, O'-names, dates of birth, MRNs), then times whole requests to
`GET /fhir/R4/Patient` through the app (the API key check, the search, the reads
audited, the Bundle built and validated by fhir.resources) for the EHR's four
parameters: `identifier`, `name`, `birthdate`, `phone`. Writes p50/p95 to
bench/RESULTS.md between the fhir-search markers. The issue sets no figure; we hold it
to p95 < 100 ms (an EHR's chart lookup, twice the /v1 search's budget for the Bundle).
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bench.patient_search import FAMILY, seed
from bench.results import write_section
from service.app import create_app
from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from tests.conftest import run_migrations
from tests.support.postgres import reset_database, throwaway_postgres

PATIENTS = 10_000
QUERIES = 400
TARGET_MS = 100.0
KINDS = ("identifier", "name", "birthdate", "phone")


def queries(rng: random.Random) -> list[tuple[str, str]]:
    """Each of the four parameters about equally often, for patients that exist."""
    out = []
    for _ in range(QUERIES):
        g = rng.randint(1, PATIENTS)
        born = datetime.fromordinal(datetime(1930, 1, 1).toordinal() + (g * 37) % 25000)
        kind = KINDS[rng.randrange(4)]
        while kind == "phone" and f"{(g * 7919) % 10000000:07d}"[0] in "01":
            g = rng.randint(1, PATIENTS)  # a number the phone library takes (NANP exchange)
        phone = f"212{(g * 7919) % 10000000:07d}"
        value = {
            "identifier": f"urn:mild-reminders:mrn|MRN{g}",
            "name": rng.choice(FAMILY).split()[0].lower(),
            "birthdate": born.strftime("%Y-%m-%d"),
            "phone": phone,
        }[kind]
        out.append((kind, f"{kind}={value}"))
    return out


def main() -> None:
    rng = random.Random(17)
    with throwaway_postgres() as url:
        reset_database(url)
        run_migrations(url)
        engine = make_engine(url)
        seed(engine, PATIENTS)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            clinic_name="Lakeside Spine",
            clinic_phone="(555) 201-3344",
            clinic_timezone="America/Chicago",
        )
        with session_scope(engine) as session:
            _, secret = create_api_key(session, role="staff", name="bench", now=datetime.now(UTC))
        headers = {"Authorization": f"Bearer {secret}"}
        timings: list[float] = []
        found: list[int] = []
        by_kind: dict[str, list[float]] = {}
        with TestClient(create_app(settings, engine=engine)) as client:
            for _, query in queries(rng)[:20]:  # warm the cache and the connection pool
                client.get(f"/fhir/R4/Patient?{query}", headers=headers)
            cpu = time.process_time()
            for kind, query in queries(rng):
                began = time.perf_counter()
                answer = client.get(f"/fhir/R4/Patient?{query}", headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
                assert answer.status_code == 200, answer.text
                timings.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
                found.append(answer.json()["total"])
            cpu_ms = (time.process_time() - cpu) * 1000 / QUERIES
        engine.dispose()
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    kinds = ", ".join(
        f"{k} p95 {statistics.quantiles(v, n=20)[18]:.0f} ms" for k, v in sorted(by_kind.items())
    )
    print(f"by kind: {kinds}", file=sys.stderr)
    write_results(p50, p95, statistics.median(found), cpu_ms, os.getloadavg()[0], kinds)


def write_results(
    p50: float, p95: float, median_found: float, cpu_ms: float, load: float, kinds: str
) -> None:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        "## FHIR Patient search\n\n"
        "Reproduce: `.venv/bin/python -m bench.fhir_search`. A throwaway PostgreSQL with "
        f"{PATIENTS:,} patients (seeded as the patient-search bench); {QUERIES} whole "
        "requests to `GET /fhir/R4/Patient` in-process (key check, search, reads audited, "
        "the Bundle validated by fhir.resources), each of `identifier`, `name`, `birthdate`, "
        f"`phone` about equally often. Median matches: {median_found:.0f} (a surname matches "
        f"up to the page of 50). Process CPU per request {cpu_ms:.1f} ms (client and server "
        f"in one process). Generated {generated}; load average {load:.1f} on "
        f"{os.cpu_count()} CPUs (shared machine).\n\n"
        "| benchmark | p50 | p95 | target (p95) | met |\n|---|---|---|---|---|\n"
        f"| FHIR Patient search at {PATIENTS:,} patients | {p50:.1f} ms | {p95:.1f} ms | "
        f"< {TARGET_MS:.0f} ms | {'yes' if p95 < TARGET_MS else 'NO'} |\n\n"
        f"By parameter: {kinds}. The issue sets no target; 100 ms is ours. A name search "
        "answers up to 50 patients, each read audited and each resource validated twice (as "
        "a Patient, then inside the Bundle): that is where a name's time goes.\n"
    )
    write_section("fhir-search", section)
    print(section)


if __name__ == "__main__":
    main()
