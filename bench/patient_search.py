"""`python -m bench.patient_search`: finding a patient at 100,000 patients on PostgreSQL.

Starts a throwaway PostgreSQL, enrolls 100,000 patients with plain SQL (names with
accents, compound surnames, O'-names, dates of birth, MRNs), fills their search columns
and name tokens with the service's own folding code, runs ANALYZE, then times
`search_patients` (the function behind `GET /v1/patients?q=` and the console's search)
for the ways the front desk types: part of a name, two words, a second surname, the
last digits of a phone, a date of birth in three formats, an MRN. Writes p50/p95 to
bench/RESULTS.md between the patient-search markers. Target: p95 < 50 ms.
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, text
from sqlmodel import Session

from bench.results import write_section
from service.db import make_engine
from service.patients.folding import fold, name_tokens, reversed_digits
from service.patients.models import PatientNameToken
from service.patients.search import search_patients
from tests.conftest import run_migrations
from tests.support.postgres import reset_database, throwaway_postgres

PATIENTS = 100_000
QUERIES = 400
TARGET_MS = 50.0
GIVEN = ["María José", "José", "Seán", "Rosa", "Wei", "Helen", "John", "Ana", "Robert",
         "Linda", "David", "Zoë", "Nguyễn Văn", "Søren", "Mary-Kate"]  # fmt: skip
FAMILY = ["García Núñez", "O'Brien", "López", "Smith", "Nguyen", "Johnson", "Brown",
          "Martínez", "Chen", "Williams", "Jones", "Davis", "Rodríguez", "Miller",
          "Wilson", "D'Angelo", "Taylor", "Anderson", "Thomas", "Jackson", "White",
          "Harris", "Martin", "Thompson", "Clark", "Lewis", "Robinson", "Walker",
          "Young", "Allen", "King", "Pérez Gómez", "Van der Berg", "Kowalski"]  # fmt: skip


def seed(engine: Engine, patients: int = PATIENTS) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patient (given_name, family_name, phone, mrn, birth_date,"
                " timezone, language, sms_consent, consent_recorded_at, created_at, version)"
                " SELECT (CAST(:given AS text[]))[1 + g % 15],"
                " (CAST(:family AS text[]))[1 + (g / 15) % 34] || CASE WHEN g % 7 = 0"
                "  THEN '' ELSE ' ' || chr(65 + g % 26) || 'son' END,"
                " '+1212' || lpad(((g * 7919) % 10000000)::text, 7, '0'), 'MRN' || g,"
                " DATE '1930-01-01' + (g * 37) % 25000, 'America/Chicago', 'en', true,"
                " now(), now(), 1"
                " FROM generate_series(1, :n) g"
            ),
            {"given": GIVEN, "family": FAMILY, "n": patients},
        )
        fill_search_columns(conn)
    # As autovacuum would have done by now on a clinic's server: the visibility map lets
    # PostgreSQL answer from the indexes alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def fill_search_columns(conn: Connection) -> None:
    """Folded names, reversed phone digits and name tokens for patients inserted with
    plain SQL, computed by the service's own folding code."""
    rows = conn.execute(text("SELECT id, given_name, family_name, phone FROM patient")).all()
    for start in range(0, len(rows), 5000):
        batch = rows[start : start + 5000]
        conn.execute(
            text(
                "UPDATE patient SET given_name_folded = :g, family_name_folded = :f,"
                " phone_reversed = :r WHERE id = :id"
            ),
            [_folded(r) for r in batch],
        )
        conn.execute(
            insert(PatientNameToken),
            [
                {
                    "patient_id": r.id,
                    "token": token,
                    "family_name_folded": fold(r.family_name),
                    "given_name_folded": fold(r.given_name),
                }
                for r in batch
                for token in name_tokens(r.given_name, r.family_name)
            ],
        )


def _folded(row: Any) -> dict[str, object]:
    return {
        "id": row.id,
        "g": fold(row.given_name),
        "f": fold(row.family_name),
        "r": reversed_digits(row.phone),
    }


KINDS = ["3 letters", "surname", "two words", "second surname", "4 digits", "7 digits",
         "ISO date", "US date", "MRN"]  # fmt: skip


def queries(rng: random.Random) -> list[tuple[str, str]]:
    """What the front desk types, drawn at random (each kind about equally often)."""
    out = []
    for _ in range(QUERIES):
        g = rng.randint(1, PATIENTS)
        birth = datetime(1930, 1, 1).toordinal() + (g * 37) % 25000
        born = datetime.fromordinal(birth)
        phone = f"{(g * 7919) % 10000000:07d}"
        kind = rng.randrange(9)
        out.append(
            (
                KINDS[kind],
                [
                    rng.choice(FAMILY).split()[0][:3].lower(),
                    rng.choice(["garcia", "GARCÍA", "obrien", "o brien", "lopez"]),
                    rng.choice(["maria jose", "jose garcia", "sean o"]),
                    rng.choice(["nun", "gomez", "berg"]),
                    phone[-4:],
                    f"{phone[:3]}-{phone[3:]}",
                    born.strftime("%Y-%m-%d"),
                    f"{born.month}/{born.day}/{born.year}",
                    f"mrn{g}",
                ][kind],
            )
        )
    return out


def main() -> None:
    rng = random.Random(16)
    with throwaway_postgres() as url:
        reset_database(url)
        run_migrations(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine)
        print(f"seeded {PATIENTS} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        timings, found = [], []
        by_kind: dict[str, list[float]] = {}
        with Session(engine) as session:
            for _, q in queries(rng)[:20]:  # warm the cache and the connection
                search_patients(session, q, "US", limit=50)
            for kind, q in queries(rng):
                began = time.perf_counter()
                page = search_patients(session, q, "US", limit=50)
                elapsed = (time.perf_counter() - began) * 1000
                timings.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
                found.append(page.total)
        engine.dispose()
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    slowest = ", ".join(f"{k} {max(v):.0f} ms" for k, v in by_kind.items())
    print(f"slowest by kind: {slowest}", file=sys.stderr)
    write_results(p50, p95, statistics.median(found), os.getloadavg()[0], slowest)


def write_results(p50: float, p95: float, median_found: float, load: float, slowest: str) -> None:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        "## Patient search\n\n"
        "Reproduce: `.venv/bin/python -m bench.patient_search`. A throwaway PostgreSQL with "
        f"{PATIENTS:,} patients and their name tokens; `search_patients` (behind "
        "`GET /v1/patients?q=` and the console search: the count and the first page of 50) "
        f"timed {QUERIES} times for random queries of nine kinds: 3 letters of a surname, a "
        "surname with or without accents or apostrophe, two words, a second surname, the last "
        "4 digits of a phone, 7 digits with a dash, a date of birth as 1950-03-16 and "
        f"3/16/1950, an MRN. Median matches per query: {median_found:.0f}. Generated "
        f"{generated}; load average {load:.1f} on {os.cpu_count()} CPUs (shared machine).\n\n"
        "| benchmark | p50 | p95 | target (p95) | met |\n|---|---|---|---|---|\n"
        f"| search at {PATIENTS:,} patients | {p50:.1f} ms | {p95:.1f} ms | "
        f"< {TARGET_MS:.0f} ms | {'yes' if p95 < TARGET_MS else 'NO'} |\n\n"
        f"Slowest query of each kind: {slowest}.\n"
    )
    write_section("patient-search", section)
    print(section)


if __name__ == "__main__":
    main()
