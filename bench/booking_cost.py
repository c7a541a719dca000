"""`python -m bench.booking_cost`: what one enrolled patient and booked procedure costs
the API and PostgreSQL, in CPU, so a loaded machine distorts it less than a rate does.

A throwaway PostgreSQL (durable defaults); `reminders api` as one process (uvicorn,
the real app); 4 light clients (stdlib HTTP/1.1, keep-alive) post N pairs of
`POST /v1/patients` + `POST /v1/patients/{id}/procedures`. Reports the API process's CPU
per pair and PostgreSQL's (every backend of the server, read from /proc before and
after), transactions and rows inserted per pair (pg_stat_database) and wall pairs/s.
Statements per pair are counted, and bounded, by tests/test_booking_cost.py.
The client's own CPU is not counted. `--profile` samples the API process with py-spy
(if installed) and writes `bench/booking_cost.svg` and a text top list.
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import run_migrations
from tests.support.net import free_port
from tests.support.postgres import _RUNNING, reset_database, throwaway_postgres

ROOT = Path(__file__).resolve().parents[1]
PAIRS = 800
WARM = 80
CLIENTS = 4
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and the children it has reaped (all threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the ")" field 3 is state; utime, stime, cutime, cstime are fields 14-17.
    return sum(int(v) for v in fields[11:15]) / _TICK


def _postgres_cpu(postmaster: int) -> float:
    total = _cpu_seconds(postmaster)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
            total += _cpu_seconds(int(entry.name))
    return total


def _pg_counters(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT xact_commit, tup_inserted FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).one()
    engine.dispose()
    return int(row[0]), int(row[1])


def main() -> None:
    profile = "--profile" in sys.argv
    pairs = int(os.environ.get("BENCH_PAIRS", PAIRS))
    with throwaway_postgres(durable=True) as url:
        reset_database(url)
        run_migrations(url)
        server_info = _RUNNING[url]
        postmaster = int((server_info.data / "postmaster.pid").read_text().split()[0])
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1",
               "API_WORKERS": "1", "CLINIC_NAME": "Lakeside Spine",
               "CLINIC_PHONE": "(555) 201-3344", "LOG_LEVEL": "WARNING"}  # fmt: skip
        reminders = str(ROOT / ".venv" / "bin" / "reminders")
        key = subprocess.run(
            [reminders, "api-key", "create", "--role", "staff", "--name", "bench"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        server = subprocess.Popen(
            [reminders, "api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        when = json.dumps(
            {"scheduled_at": (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT07:00")}
        )
        try:
            while True:
                try:
                    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    probe.request("GET", "/healthz")
                    if probe.getresponse().status == 200:
                        break
                except OSError:
                    time.sleep(0.2)

            def run(client: int, start: int, count: int) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                for n in range(start, start + count):
                    body = json.dumps({"given_name": "Bench", "family_name": f"Mark{client}x{n}",
                                       "phone": f"(202) {300 + client} {1000 + n}",
                                       "sms_consent": True})  # fmt: skip
                    conn.request("POST", "/v1/patients", body, headers)
                    made = conn.getresponse()
                    data = made.read()
                    assert made.status == 201, data
                    path = f"/v1/patients/{json.loads(data)['id']}/procedures"
                    conn.request("POST", path, when, headers)
                    booked = conn.getresponse()
                    data = booked.read()
                    assert booked.status == 201, data
                conn.close()

            def round_of(start: int, count: int) -> None:
                threads = [
                    threading.Thread(target=run, args=(c, start, count // CLIENTS))
                    for c in range(CLIENTS)
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()

            round_of(0, WARM)
            commits, inserted = _pg_counters(url)
            api_cpu, pg_cpu = _cpu_seconds(server.pid), _postgres_cpu(postmaster)
            spy = None
            spy_bin = shutil.which("py-spy", path=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
            if profile and spy_bin:
                spy = subprocess.Popen(
                    [spy_bin, "record", "--pid", str(server.pid), "--rate", "250",
                     "--format", "raw", "--output", str(ROOT / "bench" / "booking_cost.txt"),
                     "--threads", "--gil"], stdout=subprocess.DEVNULL,
                )  # fmt: skip
                time.sleep(1.0)
            began = time.perf_counter()
            round_of(WARM, pairs)
            wall = time.perf_counter() - began
            api_cpu = _cpu_seconds(server.pid) - api_cpu
            pg_cpu = _postgres_cpu(postmaster) - pg_cpu
            if spy is not None:
                spy.send_signal(2)
                spy.wait(30)
            commits2, inserted2 = _pg_counters(url)
        finally:
            server.terminate()
            server.wait(30)
    done = pairs // CLIENTS * CLIENTS
    print(
        f"{done} pairs, {CLIENTS} clients, API_WORKERS=1: {done / wall:.0f} pairs/s wall; "
        f"API {api_cpu * 1000 / done:.1f} ms CPU/pair, PostgreSQL {pg_cpu * 1000 / done:.1f} "
        f"ms CPU/pair; {(commits2 - commits - 1) / done:.2f} PostgreSQL transactions/pair "
        "(pg_stat_database, read-only ones too), "
        f"{(inserted2 - inserted) / done:.1f} rows inserted/pair; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
