"""Four worker processes drain 2,000 due reminders: each goes out exactly once.

Batches of 25 keep as many claim rounds racing each other (80) as 10,000 reminders in
batches of 100 did, for a fifth of the sending."""

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from service.db import make_engine
from tests.conftest import REPO_ROOT
from tests.support.bulk import NOW, phone_of, reminder_states, seed_due
from tests.support.worker_process import read_log

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REMINDERS = 2_000
WORKERS = 4


def _start(url: str, worker: str, log: Path, go: Path, **options: object) -> subprocess.Popen:
    extra = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.worker_process",
            url,
            NOW.isoformat(),
            worker,
            str(log),
            f"--go={go}",
            *extra,
        ],
        cwd=REPO_ROOT,
    )


def _wait_ready(logs: list[Path], procs: list[subprocess.Popen]) -> None:
    # Waiting, not asserting on time: the processes import, connect, then report ready.
    while not all(Path(f"{log}.ready").exists() for log in logs):
        assert all(p.poll() is None for p in procs), "a worker process died while starting"
        time.sleep(0.02)


def test_four_worker_processes_send_every_reminder_exactly_once(pg, tmp_path):
    engine = make_engine(pg)
    seed_due(engine, REMINDERS)
    go = tmp_path / "go"
    logs = [tmp_path / f"worker-{i}.log" for i in range(WORKERS)]
    procs = [
        _start(pg, f"worker-{i}", log, go, concurrency=8, batch=25) for i, log in enumerate(logs)
    ]
    try:
        _wait_ready(logs, procs)
        go.touch()
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert codes == [0] * WORKERS

    per_worker = [read_log(log) for log in logs]
    counted = Counter(phone for lines in per_worker for phone in lines)
    assert sum(counted.values()) == REMINDERS
    assert set(counted) == {phone_of(i) for i in range(1, REMINDERS + 1)}
    assert max(counted.values()) == 1  # nothing sent twice
    assert all(per_worker), "every process took a share"
    assert reminder_states(engine) == {"sent": REMINDERS}
    with engine.connect() as conn:
        messages = conn.execute(
            text("SELECT count(*), count(DISTINCT procedure_id) FROM message")
        ).one()
        claims = conn.execute(
            text("SELECT count(*) FROM reminder WHERE claimed_by IS NOT NULL")
        ).scalar_one()
    assert tuple(messages) == (REMINDERS, REMINDERS)
    assert claims == 0
    engine.dispose()
