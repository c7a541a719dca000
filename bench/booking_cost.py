"""`python -m bench.booking_cost`: what one enrolled patient and booked procedure costs
the API, measured in one process so a loaded machine distorts it less than a rate does.

A throwaway PostgreSQL; the real app in-process (TestClient); N pairs of
`POST /v1/patients` + `POST /v1/patients/{id}/procedures`, one after another. Reports
process CPU per pair (client and server together), statements and commits per pair
(counted with SQLAlchemy's cursor events) and wall pairs/s. `--profile` prints the top
of a cProfile by cumulative time for the procedure's 201.
"""

import cProfile
import os
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from service.app import create_app
from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from tests.conftest import run_migrations
from tests.support.postgres import reset_database, throwaway_postgres

PAIRS = 300
WARM = 20


def main() -> None:
    profile = "--profile" in sys.argv
    with throwaway_postgres(durable=True) as url:
        reset_database(url)
        run_migrations(url)
        engine = make_engine(url)
        statements = {"all": 0, "commit": 0}

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_: object) -> None:
            statements["all"] += 1

        @event.listens_for(engine, "commit")
        def _commit(*_: object) -> None:
            statements["commit"] += 1

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
        when = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT07:00:00")
        profiler = cProfile.Profile()
        with TestClient(create_app(settings, engine=engine)) as client:

            def pair(n: int) -> None:
                phone = f"(202) {300 + n // 9000} {1000 + n % 9000}"
                body = {"given_name": "Bench", "family_name": f"Mark{n}", "phone": phone,
                        "sms_consent": True}  # fmt: skip
                made = client.post("/v1/patients", json=body, headers=headers)
                assert made.status_code == 201, made.text
                booked = client.post(
                    f"/v1/patients/{made.json()['id']}/procedures",
                    json={"scheduled_at": when},
                    headers=headers,
                )
                assert booked.status_code == 201, booked.text

            for n in range(WARM):
                pair(n)
            statements.update(all=0, commit=0)
            began, cpu = time.perf_counter(), time.process_time()
            if profile:
                profiler.enable()
            for n in range(WARM, WARM + PAIRS):
                pair(n)
            if profile:
                profiler.disable()
            wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        engine.dispose()
    print(
        f"{PAIRS} pairs: {PAIRS / wall:.0f} pairs/s wall, {cpu * 1000 / PAIRS:.1f} ms CPU/pair, "
        f"{statements['all'] / PAIRS:.1f} statements/pair, {statements['commit'] / PAIRS:.1f} "
        f"commits/pair; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
