"""A worker killed with SIGKILL mid-batch loses nothing and repeats nothing: another worker
finishes its claims, asking the provider about the texts that were in flight."""

import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest

from service.db import make_engine
from tests.conftest import REPO_ROOT
from tests.support.bulk import NOW, phone_of, reminder_states, seed_due
from tests.support.worker_process import (
    FileLogGateway,
    drain,
    kill_midway,
    make_dispatcher,
    read_log,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REMINDERS = 300
CONCURRENCY = 4


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(pg, tmp_path):
    engine = make_engine(pg)
    seed_due(engine, REMINDERS)
    killed_log = tmp_path / "killed.log"
    victim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.worker_process",
            pg,
            NOW.isoformat(),
            "victim",
            str(killed_log),
            f"--concurrency={CONCURRENCY}",
            "--batch=100",
            "--delay-ms=50",
        ],
        cwd=REPO_ROOT,
    )
    kill_midway(victim, lambda: len(read_log(killed_log)) >= 20)  # well into its first batch
    sent_by_victim = read_log(killed_log)
    assert len(sent_by_victim) < REMINDERS
    states = reminder_states(engine)
    assert states.get("sent", 0) < REMINDERS  # the rest is still pending under its lease

    survivor_log = tmp_path / "survivor.log"
    survivor = make_dispatcher(
        pg, "survivor", FileLogGateway(survivor_log), concurrency=CONCURRENCY, batch=100
    )
    # Before the lease runs out the victim's claims are untouchable (the survivor may
    # take only what the victim never claimed)...
    early = NOW + timedelta(seconds=1)
    assert survivor.claim(early)[1] <= REMINDERS - 100
    # ...after it (and after the survivor's own early lease), it finishes everything.
    lease_over = early + timedelta(seconds=survivor.settings.claim_lease_seconds + 1)
    drain(survivor, lease_over)
    survivor.engine.dispose()

    counted = Counter(sent_by_victim + read_log(survivor_log))
    assert set(counted) == {phone_of(i) for i in range(1, REMINDERS + 1)}  # none lost
    assert max(counted.values()) == 1  # the texts in flight were found, not sent again
    assert reminder_states(engine) == {"sent": REMINDERS}
    engine.dispose()
