"""`make bench` (= .venv/bin/python -m bench [--quick]): starts a throwaway PostgreSQL,
runs each benchmark >= 3 times and writes bench/RESULTS.md with the medians."""

import argparse
import os
import random
import signal
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

from bench.endtoend import PGQ_SETTINGS, pgqueuer_rate, worker_rate
from bench.results import write_section
from bench.standin import tail
from scheduler.worker import DispatchLoop
from service.delivery.gateway import Accepted, OutgoingText
from tests.conftest import run_migrations
from tests.support.bulk import NOW, seed_due, seed_sent_history
from tests.support.net import free_port
from tests.support.postgres import reset_database, throwaway_postgres
from tests.support.worker_process import drain, make_dispatcher, read_log

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3
CONCURRENCY = 64  # the SEND_CONCURRENCY default
BATCH = 256  # the DISPATCH_BATCH_SIZE default
NOTES = [
    "Row 1 drives the worker's own loop (`DispatchLoop`: two rounds side by side, each"
    " claiming a batch and preparing it as one chunk) against an in-process gateway that"
    " answers at once. Row 5 is the same with the history seeded beside the pending texts.",
    "",
    "Rows 2-3: texts/s measured at the loopback stand-in from the first text to the last;"
    " each run drains ours, then pgqueuer, on the same PostgreSQL (a fresh database each),"
    " never both at once, and every pair is printed with the load average and the calls in"
    " flight the stand-in saw. Ours: one `reminders worker` process (twilio library over"
    f" HTTP, SEND_CONCURRENCY={CONCURRENCY}, DISPATCH_BATCH_SIZE={BATCH}). With 64 calls in"
    " flight nothing passes 640 texts/s on the steady profile, nor about 390/s on the tail"
    " one (mean call ~165 ms): both sides run at those ceilings, so the ratio is within a"
    " few percent of 1 and worth reading only with the per-run pairs. pgqueuer was first"
    " measured here at 27-36 texts/s on its psycopg driver, whose LISTEN holds the one"
    " connection for up to 1 s per query; on asyncpg, as its docs recommend, it drains at"
    " the ceiling like ours.",
    "",
]


class Gateway:
    name = "bench"

    def __init__(
        self,
        delay: float = 0.0,
        clock: Callable[[], datetime] | None = None,
        profile: Callable[[random.Random], float] | None = None,
    ) -> None:
        self.delay = delay
        self.clock = clock
        self.profile = profile
        self.rng = random.Random(3)
        self.sent_at: dict[str, datetime] = {}
        self.accepted: list[str] = []

    def send(self, text: OutgoingText) -> Accepted:
        delay = self.profile(self.rng) if self.profile else self.delay
        if delay:
            time.sleep(delay)
        if self.clock is not None:
            self.sent_at[text.to] = self.clock()
        self.accepted.append(text.to)  # list.append is atomic across the sending threads
        return Accepted(provider_message_id=uuid.uuid4().hex)

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        return None


def fresh(url: str) -> None:
    reset_database(url)
    run_migrations(url)


def analyze(engine: Engine) -> None:
    """Planner statistics for what was just seeded: never plan against an empty table."""
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def throughput(url: str, count: int, history: int = 0) -> float:
    """texts/s for one worker's own loop (it claims the next batch while texts are out)
    draining `count` due texts, the provider instant, with `history` sent beside them."""
    fresh(url)
    gateway = Gateway()
    dispatcher = make_dispatcher(url, "bench", gateway, concurrency=CONCURRENCY, batch=BATCH)
    seed_due(dispatcher.engine, count)
    if history:
        seed_sent_history(dispatcher.engine, history, procedures=count)
    analyze(dispatcher.engine)
    loop = DispatchLoop(dispatcher, clock=lambda: NOW)
    started = time.perf_counter()
    loop()  # one poll: it claims and sends while full batches come back
    dispatcher.wait_idle()
    elapsed = time.perf_counter() - started
    dispatcher.close()
    dispatcher.engine.dispose()
    assert len(gateway.accepted) == len(set(gateway.accepted)) == count
    return count / elapsed


def lag(url: str, count: int, spread: float, interval: float) -> tuple[float, float]:
    """Reminders fall due evenly over `spread` s; the worker polls every `interval` s; the
    provider answers with the tail profile (lognormal ~120 ms, 2% take 2 s)."""
    fresh(url)
    t0 = time.monotonic()

    def clock() -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - t0)

    gateway = Gateway(clock=clock, profile=tail)
    dispatcher = make_dispatcher(url, "lag", gateway, concurrency=CONCURRENCY, batch=BATCH)
    seed_due(dispatcher.engine, count, due_spread=timedelta(seconds=spread))
    analyze(dispatcher.engine)
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
        # As the worker's loop does: the next batch is claimed while texts are out.
        while dispatcher.run_once(now, clock=clock, settle=False).claimed_rows == BATCH:
            now = clock()
        tick += 1
        time.sleep(max(0.0, t0 + tick * interval - time.monotonic()))
    dispatcher.close()
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
        procedure = json.dumps({"scheduled_at": when})
        failures: list[BaseException] = []

        def patient(client: int, n: int) -> str:
            # A patient of their own each time (the same phone and family name twice is
            # refused as a likely duplicate, 409), as a clinic's enrolments are.
            return json.dumps(
                {
                    "given_name": "Bench",
                    "family_name": f"Mark{client}x{n}",
                    "phone": f"(202) {300 + client} {1000 + n}",
                    "sms_consent": True,
                }
            )

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
        def run(client: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for n in range(per_client):
                    t = time.perf_counter()
                    created = post(conn, "/v1/patients", patient(client, n))
                    patient_id = json.loads(created)["id"]
                    post(conn, f"/v1/patients/{patient_id}/procedures", procedure)
                    with lock:
                        latencies.append(time.perf_counter() - t)
            except BaseException as exc:  # a refused request fails the benchmark
                failures.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    if failures:
        raise failures[0]
    assert len(latencies) == per_client * clients, len(latencies)
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


def crash_story(url: str, count: int = 2000, workers: int = 4) -> tuple[int, int]:
    """Four workers (provider 200 ms a text), one SIGKILLed mid-batch; a survivor takes
    over after the lease. Returns (lost, duplicated) counted at the provider's log."""
    import tempfile

    fresh(url)
    from service.db import make_engine

    engine = make_engine(url)
    seed_due(engine, count)
    analyze(engine)
    engine.dispose()
    folder = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    go = folder / "go"
    logs = [folder / f"worker-{i}.log" for i in range(workers)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.worker_process",
                url,
                NOW.isoformat(),
                f"w{i}",
                str(log),
                f"--go={go}",
                f"--concurrency={CONCURRENCY}",
                f"--batch={BATCH}",
                "--delay-ms=200",
            ],
            cwd=ROOT,
        )
        for i, log in enumerate(logs)
    ]
    while not all(Path(f"{log}.ready").exists() for log in logs):
        time.sleep(0.02)
    go.touch()
    while len(read_log(logs[0])) < CONCURRENCY:
        time.sleep(0.01)
    procs[0].send_signal(signal.SIGKILL)
    for p in procs:
        p.wait(timeout=600)
    from tests.support.worker_process import FileLogGateway

    survivor = make_dispatcher(
        url,
        "survivor",
        FileLogGateway(folder / "survivor.log"),
        concurrency=CONCURRENCY,
        batch=BATCH,
    )
    drain(survivor, NOW + timedelta(seconds=survivor.settings.claim_lease_seconds + 5))
    survivor.close()
    survivor.engine.dispose()
    sent = [to for log in folder.glob("*.log") for to in read_log(log)]
    expected = {f"+1202{i:07d}" for i in range(1, count + 1)}
    lost = len(expected - set(sent))
    duplicated = len(sent) - len(set(sent))
    return lost, duplicated


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


SERVER_SETTINGS = (
    "listen_addresses=127.0.0.1 (loopback only) and max_connections=200; everything else"
    " is initdb's default, so fsync, synchronous_commit and full_page_writes are on"
)
BENCHMARKS = range(1, 9)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller counts (smoke test)")
    parser.add_argument(
        "--only", type=int, choices=BENCHMARKS, action="append", help="run just these"
    )
    args = parser.parse_args()
    q = args.quick
    runs = 1 if q else RUNS
    wanted = set(args.only or BENCHMARKS)
    load = os.getloadavg()
    lines = [
        "## Delivery engine and API",
        "",
        f"Generated by `.venv/bin/python -m bench{' --quick' if q else ''}` "
        f"(`make bench` runs the full sizes). "
        f"Medians of {runs} run(s) on a throwaway PostgreSQL with durable defaults "
        f"(non-default server settings: {SERVER_SETTINGS}); every benchmark runs ANALYZE after "
        f"seeding. This machine: {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} / {load[1]:.1f} at the start (2 shared cores: expect noise). "
        f"Worker SEND_CONCURRENCY={CONCURRENCY}, DISPATCH_BATCH_SIZE={BATCH}. "
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| # | benchmark | result (median) | target | met | reproduce |",
        "|---|---|---|---|---|---|",
    ]

    def row(n: int, name: str, result: str, target: str, met: bool) -> None:
        command = f"`.venv/bin/python -m bench --only {n}{' --quick' if q else ''}`"
        verdict = "yes" if met else "**no**"
        lines.append(f"| {n} | {name} | {result} | {target} | {verdict} | {command} |")
        print(lines[-1], flush=True)

    def median(values: list[float]) -> float:
        return statistics.median(values)

    with throwaway_postgres(durable=True) as url:
        if 1 in wanted:
            n1 = 1000 if q else 5000
            r1 = median([throughput(url, n1) for _ in range(runs)])
            row(
                1,
                f"hot path: one worker, provider instant, {n1} due",
                f"{r1:.0f} texts/s",
                ">= 4,000/s",
                r1 >= 4000,
            )
        pairs: list[str] = []  # rows 2-3, run by run
        for n, profile in ((2, "steady"), (3, "tail")):
            if n not in wanted:
                continue
            count = 600 if q else 3000
            ours, theirs = [], []
            for _ in range(runs):
                fresh(url)
                ours.append(worker_rate(url, count, profile, CONCURRENCY))
                fresh(url)
                theirs.append(pgqueuer_rate(url, count, profile, CONCURRENCY))
                o, t = ours[-1], theirs[-1]
                pairs.append(
                    f"- {profile}: ours {o.rate:.0f}/s (in flight: peak {o.peak_in_flight},"
                    f" mean {o.mean_in_flight:.0f}), pgqueuer {t.rate:.0f}/s (peak"
                    f" {t.peak_in_flight}, mean {t.mean_in_flight:.0f}),"
                    f" load {os.getloadavg()[0]:.1f}"
                )
                print(pairs[-1], flush=True)
            a, b = median([d.rate for d in ours]), median([d.rate for d in theirs])
            peaks = max(d.peak_in_flight for d in ours), max(d.peak_in_flight for d in theirs)
            label = "steady 100 ms" if profile == "steady" else "tail (lognormal ~120 ms, 2% 2 s)"
            target = ">= 1.0x pgqueuer" + (" and >= 500/s" if profile == "steady" else "")
            met = a >= b and (profile != "steady" or a >= 500)
            row(
                n,
                f"end to end, `reminders worker` vs pgqueuer, {label}, {count} texts",
                f"{a:.0f} vs {b:.0f} texts/s ({a / b:.2f}x; at most {peaks[0]} vs {peaks[1]}"
                " in flight)",
                target,
                met,
            )
        if 4 in wanted:
            interval = 1.0
            lag_runs = [
                lag(url, 1000 if q else 3000, 10.0 if q else 20.0, interval) for _ in range(runs)
            ]
            p50 = median([x[0] for x in lag_runs])
            p99 = median([x[1] for x in lag_runs])
            row(
                4,
                f"due->sent lag, steady load, tail profile, poll every {interval:.0f} s",
                f"p50 {p50:.2f} s, p99 {p99:.2f} s",
                "p99 < 3 s (poll + one 2 s call)",
                p99 < 3,
            )
        if 5 in wanted:
            pending = 2000 if q else 10_000
            history = 100_000 if q else 1_000_000
            # Interleaved, so that a drift of the machine's load falls on both sides.
            drains = [
                (throughput(url, pending), throughput(url, pending, history)) for _ in range(runs)
            ]
            empty = median([e for e, _ in drains])
            full = median([f for _, f in drains])
            row(
                5,
                f"claim cost as history grows: {pending} pending, no history vs {history} sent",
                f"{empty:.0f} vs {full:.0f} texts/s (ratio {full / empty:.2f})",
                "ratio >= 0.9",
                full / empty >= 0.9,
            )
        if 6 in wanted:
            lost, duplicated = crash_story(url, 1000 if q else 2000)
            row(
                6,
                "crash story: 4 workers, provider 200 ms, one SIGKILLed mid-batch",
                f"{lost} lost, {duplicated} duplicated",
                "0 lost, 0 duplicated",
                lost == 0 and duplicated == 0,
            )
        if 7 in wanted:
            enroll_runs = [enrollment(url, 320 if q else 1600) for _ in range(runs)]
            rate = median([x[0] for x in enroll_runs])
            e50 = median([x[1] for x in enroll_runs]) * 1000
            e99 = median([x[2] for x in enroll_runs]) * 1000
            row(
                7,
                "enrollment pairs via uvicorn, 16 clients",
                f"{rate:.0f} pairs/s (p50 {e50:.0f} ms, p99 {e99:.0f} ms)",
                ">= 150/s",
                rate >= 150,
            )
        if 8 in wanted:
            n8 = 5000 if q else 100_000
            rss = median([peak_rss(url, n8) for _ in range(runs)])
            row(
                8, f"peak RSS of a worker draining {n8} due", f"{rss:.0f} MB", "< 200 MB", rss < 200
            )

    lines += ["", *NOTES, f"{PGQ_SETTINGS}."]
    if pairs:
        lines += ["", "Rows 2-3, run by run:", "", *pairs]
    if args.only:
        print("(--only: bench/RESULTS.md left as it was)")
        return
    write_section("engine", "\n".join(lines))
    print("wrote its section of bench/RESULTS.md")


if __name__ == "__main__":
    sys.exit(main())
