"""Heartbeats, `reminders worker --check`, /readyz, and a graceful SIGTERM."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from scheduler.worker import DispatchLoop
from service.db import make_engine
from service.delivery.gateway import Accepted, OutgoingText
from service.workers.heartbeat import STOPPED, WorkerHeartbeat, beat, check_workers
from tests.conftest import REPO_ROOT, Clock
from tests.support.apps import bound_app
from tests.support.bulk import NOW, reminder_states, seed_due
from tests.support.worker_process import make_dispatcher

pytestmark = pytest.mark.postgres


class FirstSendHolds:
    name = "holds"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.in_send = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def send(self, text: OutgoingText) -> Accepted:
        if not self.in_send.is_set():
            self.in_send.set()
            assert self.release.wait(timeout=60)
        with self._lock:
            self.sent.append(text.to)
        return Accepted(provider_message_id=text.to)


def test_check_and_readyz_follow_the_heartbeats(pg):
    dispatcher = make_dispatcher(pg, "w1", FirstSendHolds(), concurrency=2, batch=10)
    engine, settings = dispatcher.engine, dispatcher.settings
    assert check_workers(engine, settings, NOW) == (
        False,
        "no worker has ever sent a heartbeat: is `reminders worker` running?",
    )
    beat(engine, "w1", NOW, NOW, "running")
    assert check_workers(engine, settings, NOW + timedelta(seconds=29))[0]
    # 3 x 5 s is under the 30 s floor: the floor decides.
    ok, why = check_workers(engine, settings, NOW + timedelta(seconds=31))
    assert not ok and "31 s old" in why and "limit is 30 s" in why

    clock = Clock(NOW + timedelta(seconds=10))
    with TestClient(bound_app(settings, engine, clock)) as client:
        assert client.get("/readyz").json() == {
            "status": "ok",
            "database": "up",
            "workers": "1 alive",
        }
        beat(engine, "w1", NOW, NOW + timedelta(seconds=10), STOPPED)
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["workers"] == "0 alive"
    engine.dispose()


def test_a_stopping_worker_finishes_the_slot_in_hand_and_releases_the_rest(pg):
    gateway = FirstSendHolds()
    dispatcher = make_dispatcher(pg, "stopper", gateway, concurrency=2, batch=50)
    seed_due(dispatcher.engine, 50)
    loop = DispatchLoop(dispatcher, clock=lambda: NOW)
    poll = threading.Thread(target=loop)
    poll.start()
    assert gateway.in_send.wait(timeout=60)
    loop.stop()  # SIGTERM's handler does this
    gateway.release.set()
    released = loop.finish()
    poll.join(timeout=60)
    assert not poll.is_alive()

    states = reminder_states(dispatcher.engine)
    assert states["sent"] == len(gateway.sent) == len(set(gateway.sent)) >= 1
    assert states["pending"] == released == 50 - len(gateway.sent) >= 1
    with dispatcher.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM reminder WHERE claimed_by IS NOT NULL")
            ).scalar_one()
            == 0
        )
    with Session(dispatcher.engine) as session:
        heartbeat = session.get(WorkerHeartbeat, "stopper")
        assert heartbeat is not None and heartbeat.state == STOPPED
    # Another worker takes the released reminders at once, no lease to wait out.
    other = make_dispatcher(pg, "other", FirstSendHolds(), concurrency=1, batch=50)
    other.gateway.in_send.set()  # type: ignore[attr-defined]
    assert other.run_once(NOW).sent == released
    dispatcher.engine.dispose()
    other.engine.dispose()


def _running_heartbeats(engine) -> int:
    with Session(engine) as session:
        beats = session.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.state != STOPPED))
        return len(beats.all())


def test_reminders_worker_exits_0_on_sigterm_and_check_sees_it_go(pg):
    env = {
        **os.environ,
        "DATABASE_URL": pg,
        "SMS_GATEWAY": "console",
        "DISPATCH_INTERVAL_SECONDS": "0.2",
    }
    reminders = [sys.executable, "-c", "from service.cli import main; main()"]
    check = subprocess.run([*reminders, "worker", "--check"], env=env, cwd=REPO_ROOT)
    assert check.returncode == 1
    worker = subprocess.Popen([*reminders, "worker"], env=env, cwd=REPO_ROOT)
    engine = make_engine(pg)
    try:
        # Waiting for the first beat (read here, not timed), then asking as an operator
        # would: one `--check` process, not one per poll.
        while _running_heartbeats(engine) == 0:
            assert worker.poll() is None, "the worker exited early"
            time.sleep(0.1)
        done = subprocess.run(
            [*reminders, "worker", "--check"], env=env, cwd=REPO_ROOT, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        assert b"1 worker(s) alive" in done.stdout
        os.kill(worker.pid, signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        engine.dispose()
        if worker.poll() is None:
            worker.kill()
    stopped = subprocess.run(
        [*reminders, "worker", "--check"], env=env, cwd=REPO_ROOT, capture_output=True
    )
    assert stopped.returncode == 1
    assert b"stopped" in stopped.stderr
