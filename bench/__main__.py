"""`make bench` (= .venv/bin/python -m bench [--quick]): starts a throwaway PostgreSQL,
runs each benchmark >= 3 times and writes bench/RESULTS.md with the medians."""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from service.delivery.gateway import Accepted, OutgoingText
from tests.conftest import run_migrations
from tests.support.bulk import NOW, seed_due, seed_sent_history
from tests.support.net import free_port
from tests.support.postgres import reset_database, throwaway_postgres
from tests.support.worker_process import drain, make_dispatcher

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
CONCURRENCY = 64  # the SEND_CONCURRENCY default
BATCH = 256  # the DISPATCH_BATCH_SIZE default


class Gateway:
    name = "bench"

    def __init__(self, delay: float = 0.0, clock: Callable[[], datetime] | None = None) -> None:
        self.delay = delay
        self.clock = clock
        self.sent_at: dict[str, datetime] = {}

    def send(self, text: OutgoingText) -> Accepted:
        if self.delay:
            time.sleep(self.delay)
        if self.clock is not None:
            self.sent_at[text.to] = self.clock()
        return Accepted(provider_message_id=uuid.uuid4().hex)


def fresh(url: str) -> None:
    reset_database(url)
    run_migrations(url)


def throughput(url: str, count: int, delay: float) -> float:
    fresh(url)
    dispatcher = make_dispatcher(url, "bench", Gateway(delay), concurrency=CONCURRENCY, batch=BATCH)
    seed_due(dispatcher.engine, count)
    started = time.perf_counter()
    sent = drain(dispatcher, NOW)
    elapsed = time.perf_counter() - started
    dispatcher.engine.dispose()
    assert sent == count, (sent, count)
    return count / elapsed


def lag(url: str, count: int, spread: float, interval: float) -> tuple[float, float]:
    """Reminders fall due evenly over `spread` s; the worker polls every `interval` s."""
    fresh(url)
    t0 = time.monotonic()

    def clock() -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - t0)

    gateway = Gateway(clock=clock)
    dispatcher = make_dispatcher(url, "lag", gateway, concurrency=CONCURRENCY, batch=BATCH)
    seed_due(dispatcher.engine, count, due_spread=timedelta(seconds=spread))
    # seed_due puts the first one at NOW - 1 min; shift so they fall due from NOW on.
    with dispatcher.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE reminder SET due_at = due_at + interval '1 minute',"
                " next_attempt_at = next_attempt_at + interval '1 minute'"
            )
        )
    t0 = time.monotonic()
    tick = 0
    while len(gateway.sent_at) < count and tick * interval < spread + 10 * interval:
        now = clock()
        while dispatcher.run_once(now).claimed_rows == BATCH:
            now = clock()
        tick += 1
        time.sleep(max(0.0, t0 + tick * interval - time.monotonic()))
    with dispatcher.engine.connect() as conn:
        due = dict(
            conn.execute(
                text(
                    "SELECT p.phone, r.due_at FROM reminder r JOIN patient p ON p.id = r.patient_id"
                )
            ).all()
        )
    dispatcher.engine.dispose()
    lags = sorted(
        (gateway.sent_at[p] - d).total_seconds() for p, d in due.items() if p in gateway.sent_at
    )
    assert len(lags) == count, (len(lags), count)
    return lags[len(lags) // 2], lags[min(len(lags) - 1, int(len(lags) * 0.99))]


def enrollment(url: str, pairs: int, clients: int = 16) -> tuple[float, float, float]:
    import http.client
    import json

    fresh(url)
    port = free_port()
    # API_WORKERS: the API as it should run on this machine (README: about 2 per core).
    env = {
        "API_WORKERS": str(2 * (os.cpu_count() or 1)),
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    key = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from service.cli import main; main()",
                "api-key",
                "create",
                "--role",
                "staff",
                "--name",
                "bench",
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "api"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        when = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT07:00:00")
        latencies: list[float] = []
        lock = threading.Lock()
        per_client = pairs // clients

        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        patient = json.dumps(
            {
                "given_name": "Bench",
                "family_name": "Mark",
                "phone": "(212) 555-0142",
                "sms_consent": True,
            }
        )
        procedure = json.dumps({"scheduled_at": when})

        def post(conn: http.client.HTTPConnection, path: str, body: str) -> bytes:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                raise RuntimeError(f"POST {path}: {response.status} {data[:200]!r}")
            return data

        # The load generator shares the machine's cores with the server and PostgreSQL,
        # so it is kept light: the stdlib's HTTP/1.1 client, one keep-alive connection
        # per client (httpx costs several times the CPU per request).
        def run() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for _ in range(per_client):
                    t = time.perf_counter()
                    patient_id = json.loads(post(conn, "/v1/patients", patient))["id"]
                    post(conn, f"/v1/patients/{patient_id}/procedures", procedure)
                    with lock:
                        latencies.append(time.perf_counter() - t)
            finally:
                conn.close()

        threads = [threading.Thread(target=run) for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


CLAIM_SELECT = (
    "SELECT id FROM reminder WHERE status = 'pending' AND next_attempt_at <= :now"
    " AND (claimed_until IS NULL OR claimed_until < :now)"
    " ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED"
)


def claim_time(engine: Engine, repeats: int = 30) -> float:
    times = []
    with engine.connect() as conn:
        conn.execute(text("ANALYZE reminder"))
        conn.commit()
        for _ in range(repeats):
            t = time.perf_counter()
            conn.execute(text(CLAIM_SELECT), {"now": NOW}).all()
            times.append(time.perf_counter() - t)
            conn.rollback()
    return statistics.median(times)


def claim_scaling(url: str) -> tuple[float, float, str]:
    fresh(url)
    from service.db import make_engine

    engine = make_engine(url)
    seed_due(engine, 10_000)
    small = claim_time(engine)
    seed_due(engine, 90_000, first_id=10_001)
    seed_sent_history(engine, 1_000_000, procedures=100_000)
    big = claim_time(engine)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE reminder"))
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + CLAIM_SELECT), {"now": NOW}))
    engine.dispose()
    return small, big, plan


def peak_rss(url: str, count: int) -> float:
    fresh(url)
    from service.db import make_engine

    engine = make_engine(url)
    seed_due(engine, count)
    engine.dispose()
    code = (
        "import resource, sys; from datetime import datetime;"
        "from bench.__main__ import Gateway;"
        "from tests.support.worker_process import drain, make_dispatcher;"
        f"d = make_dispatcher({url!r}, 'rss', Gateway(), concurrency={CONCURRENCY}, batch={BATCH});"
        "n = drain(d, datetime.fromisoformat(sys.argv[1]));"
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, NOW.isoformat()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert int(out[0]) == count, out
    return int(out[1]) / 1024  # ru_maxrss is KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts (smoke test)")
    parser.add_argument(
        "--only", type=int, choices=range(1, 7), action="append", help="run just these"
    )
    args = parser.parse_args()
    q = args.quick
    wanted = set(args.only or range(1, 7))
    plan = ""
    lines = [
        "# Benchmarks",
        "",
        f"Reproduce all: `make bench` (= `.venv/bin/python -m bench{' --quick' if q else ''}`). "
        f"Medians of {RUNS} runs on a throwaway PostgreSQL (fsync off) on this machine "
        f"({os.cpu_count()} CPUs); worker SEND_CONCURRENCY={CONCURRENCY}, "
        f"DISPATCH_BATCH_SIZE={BATCH}. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| # | benchmark | result (median) | target | met | reproduce |",
        "|---|---|---|---|---|---|",
    ]

    def row(n: int, name: str, result: str, target: str, met: bool) -> None:
        command = f"`.venv/bin/python -m bench --only {n}{' --quick' if q else ''}`"
        verdict = "yes" if met else "**no**"
        lines.append(f"| {n} | {name} | {result} | {target} | {verdict} | {command} |")
        print(lines[-1], flush=True)

    with throwaway_postgres() as url:
        if 1 in wanted:
            n1 = 1000 if q else 5000
            r1 = statistics.median(throughput(url, n1, 0.0) for _ in range(RUNS))
            row(
                1,
                f"dispatch, instant gateway, {n1} due",
                f"{r1:.0f} texts/s",
                ">= 2,000/s",
                r1 >= 2000,
            )
        if 2 in wanted:
            n2 = 1000 if q else 3000
            r2 = statistics.median(throughput(url, n2, 0.1) for _ in range(RUNS))
            row(
                2,
                f"dispatch, 100 ms gateway, one worker, {n2} due",
                f"{r2:.0f} texts/s",
                ">= 200/s",
                r2 >= 200,
            )
        if 3 in wanted:
            interval = 1.0
            lag_runs = [
                lag(url, 1000 if q else 3000, 10.0 if q else 20.0, interval) for _ in range(RUNS)
            ]
            p50 = statistics.median(x[0] for x in lag_runs)
            p99 = statistics.median(x[1] for x in lag_runs)
            row(
                3,
                f"due->send lag, steady load, poll every {interval:.0f} s",
                f"p50 {p50:.2f} s, p99 {p99:.2f} s",
                f"p99 < {2 * interval:.0f} s",
                p99 < 2 * interval,
            )
        if 4 in wanted:
            enroll_runs = [enrollment(url, 320 if q else 1600) for _ in range(RUNS)]
            rate = statistics.median(x[0] for x in enroll_runs)
            e50 = statistics.median(x[1] for x in enroll_runs) * 1000
            e99 = statistics.median(x[2] for x in enroll_runs) * 1000
            row(
                4,
                "enrollment pairs via uvicorn, 16 clients",
                f"{rate:.0f} pairs/s (p50 {e50:.0f} ms, p99 {e99:.0f} ms)",
                ">= 150/s",
                rate >= 150,
            )
        if 5 in wanted:
            scaling = [claim_scaling(url) for _ in range(1 if q else RUNS)]
            small = statistics.median(x[0] for x in scaling) * 1000
            big = statistics.median(x[1] for x in scaling) * 1000
            plan = scaling[-1][2]
            ratio = big / small
            row(
                5,
                "claim SELECT, 1M sent + 100k pending vs 10k pending",
                f"{big:.2f} ms vs {small:.2f} ms (ratio {ratio:.2f})",
                "ratio < 2",
                ratio < 2 and "ix_reminder_pending_next_attempt" in plan,
            )
        if 6 in wanted:
            n6 = 5000 if q else 100_000
            rss = statistics.median(peak_rss(url, n6) for _ in range(RUNS))
            row(
                6, f"peak RSS of a worker draining {n6} due", f"{rss:.0f} MB", "< 200 MB", rss < 200
            )

    if plan:
        lines += ["", "Claim query plan at 1M sent + 100k pending:", "", "```", plan, "```"]
    lines.append("")
    if args.only:
        print("(--only: bench/RESULTS.md left as it was)")
        return
    (Path(__file__).parent / "RESULTS.md").write_text("\n".join(lines))
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    sys.exit(main())
