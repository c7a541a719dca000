"""End to end through the public interface: `reminders worker` (the twilio library over
HTTP) against the loopback stand-in, and pgqueuer draining the same number of jobs whose
handler makes the same HTTP call. Side by side in one run: each run times ours, then
pgqueuer, on the same PostgreSQL server (a fresh database each), never both at once, since
two drains sharing 2 cores would each slow the other by a varying amount.

pgqueuer lives only in the bench's own environment (.cache/bench-pgqueuer), created here
on first use with pip; it is never a dependency of the project. Its twilio is pinned to the
project's, so both sides make the same HTTP call through the same library.
"""

import importlib.metadata
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.standin import StandIn
from service.db import make_engine
from tests.support.bulk import seed_due

ROOT = Path(__file__).resolve().parents[1]
PGQ_ENV = ROOT / ".cache" / "bench-pgqueuer"
PGQ_PYTHON = PGQ_ENV / "bin" / "python"
PGQ_VERSION = "1.6.0"
ASYNCPG_VERSION = "0.32.0"
# pgqueuer's settings (see pgq_drain.py): HTTP calls in flight are capped by the handler's
# thread pool (the concurrency, 64), as the worker's are by its sending threads. The cap on
# jobs picked at once is pgqueuer's claim-ahead (the worker's is DISPATCH_BATCH_SIZE, 256):
# a finished job keeps its slot until pgqueuer's completion buffer flushes, so a cap of 64
# leaves only ~40 calls in flight. Batch and cap: the fastest of a sweep (bench/RESULTS.md).
PGQ_BATCH = 32
PGQ_PICKED = 128
PGQ_SETTINGS = (
    f"pgqueuer {PGQ_VERSION} in `.cache/bench-pgqueuer`: asyncpg {ASYNCPG_VERSION} driver (one"
    f" connection, as its docs recommend), batch_size {PGQ_BATCH}, max_concurrent_tasks"
    f" {PGQ_PICKED} (jobs picked at once), the handler calling `messages.create` through"
    " asyncio.to_thread on a pool of 64 threads (64 calls in flight at most),"
    " dequeue_timeout 50 ms, drain mode"
)


@dataclass(frozen=True)
class Drain:
    """What the stand-in saw of one drain."""

    rate: float  # texts/s, first arrival to last
    peak_in_flight: int
    mean_in_flight: float

    @classmethod
    def seen_by(cls, standin: StandIn) -> "Drain":
        return cls(standin.rate(), standin.peak_in_flight, standin.mean_in_flight())


def _wait_for(standin: StandIn, count: int, process: subprocess.Popen, limit: float) -> None:
    deadline = time.monotonic() + limit
    while len(standin.arrivals) < count:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(standin.arrivals)} of {count} arrived")
        time.sleep(0.05)


def worker_rate(url: str, count: int, profile: str, concurrency: int) -> Drain:
    """texts/s at the stand-in for one `reminders worker` draining `count` due texts."""
    engine = make_engine(url)
    # The worker runs on the real clock: the texts fall due just now.
    now = datetime.now(UTC)
    seed_due(engine, count, now=now)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()
    standin = StandIn(profile).start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "bench",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": standin.base_url,
        "PUBLIC_BASE_URL": "https://reminders.example.org",
        "SMS_MAX_PER_SECOND": "100000",
        "SEND_CONCURRENCY": str(concurrency),
        "DISPATCH_INTERVAL_SECONDS": "0.5",
        # Whatever the hour of the run, the bench's texts are inside the window.
        "SENDING_WINDOW_START": "00:00",
        "SENDING_WINDOW_END": "23:59",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "scheduler"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(standin, count, worker, 600)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)
        standin.stop()
    return Drain.seen_by(standin)


def ensure_pgqueuer() -> bool:
    """The bench's pgqueuer environment, (re)installed when a pinned package is missing."""
    wanted = {
        "pgqueuer": PGQ_VERSION,
        "asyncpg": ASYNCPG_VERSION,
        "twilio": importlib.metadata.version("twilio"),
    }
    check = (
        "import importlib.metadata as m, sys; print(' '.join(m.version(n) for n in sys.argv[1:]))"
    )
    if PGQ_PYTHON.exists():
        found = subprocess.run(
            [str(PGQ_PYTHON), "-c", check, *wanted], capture_output=True, text=True, check=False
        ).stdout.split()
        if found == list(wanted.values()):
            return True
    else:
        subprocess.run([sys.executable, "-m", "venv", str(PGQ_ENV)], check=True)
    res = subprocess.run(
        [str(PGQ_PYTHON), "-m", "pip", "install", "-q"]
        + [f"{name}=={version}" for name, version in wanted.items()],
        check=False,
    )
    return res.returncode == 0


def pgqueuer_rate(url: str, count: int, profile: str, concurrency: int) -> Drain:
    """texts/s at the stand-in for pgqueuer draining `count` jobs (see pgq_drain.py)."""
    if not ensure_pgqueuer():
        raise RuntimeError("pgqueuer could not be installed in the bench environment")
    standin = StandIn(profile).start()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    drainer = subprocess.Popen(
        [
            str(PGQ_PYTHON),
            str(ROOT / "bench" / "pgq_drain.py"),
            dsn,
            str(count),
            str(concurrency),
            standin.base_url,
            str(PGQ_BATCH),
            str(PGQ_PICKED),
        ],
        cwd=ROOT,
    )
    try:
        _wait_for(standin, count, drainer, 600)
    finally:
        drainer.send_signal(signal.SIGTERM)
        try:
            drainer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            drainer.kill()
        standin.stop()
    return Drain.seen_by(standin)
