"""Effectively once: whatever dies mid-round (the worker, between Twilio's answer and the
record, the database), every due text reaches the (fake) Twilio exactly once."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from service.db import make_engine
from tests.conftest import REPO_ROOT
from tests.fakes.fake_twilio import FakeTwilio
from tests.support.bulk import NOW, phone_of, reminder_states, seed_due_anywhere
from tests.support.postgres import restart_postgres
from tests.support.schema import fresh_postgres
from tests.support.worker_process import drain, kill_midway, make_dispatcher, twilio_gateway

pytestmark = pytest.mark.slow

REMINDERS = 40


@pytest.fixture
def url(database_url: str) -> str:
    url = database_url
    engine = make_engine(url)
    seed_due_anywhere(engine, REMINDERS)
    engine.dispose()
    return url


def _worker(url: str, fake: FakeTwilio, tmp_path: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.worker_process",
            url,
            NOW.isoformat(),
            "victim",
            str(tmp_path / "victim.log"),
            "--concurrency=8",
            "--batch=20",
            f"--twilio={fake.base_url}",
            *extra,
        ],
        cwd=REPO_ROOT,
    )


def _another_worker_finishes(url: str, fake: FakeTwilio) -> None:
    """A second worker, once the first one's lease has run out."""
    survivor = make_dispatcher(
        url, "survivor", twilio_gateway(fake.base_url), concurrency=8, batch=20
    )
    drain(survivor, NOW + timedelta(seconds=survivor.settings.claim_lease_seconds + 5))
    survivor.close()
    survivor.engine.dispose()


def _each_patient_got_exactly_one_text(url: str, fake: FakeTwilio) -> None:
    counted = Counter(fake.sent_to())
    assert set(counted) == {phone_of(i) for i in range(1, REMINDERS + 1)}  # none lost
    assert [p for p, n in counted.items() if n > 1] == []  # none twice
    engine = make_engine(url)
    assert reminder_states(engine) == {"sent": REMINDERS}
    engine.dispose()


def test_worker_killed_while_twilio_is_answering_sends_nothing_twice(url, tmp_path):
    # Twilio takes each text at once but answers 0.3 s later: the kill lands with texts
    # taken and unanswered.
    with FakeTwilio(delay_seconds=0.3, accept_before_reply=True, clock=lambda: NOW) as fake:
        victim = _worker(url, fake, tmp_path)
        kill_midway(victim, lambda: len(fake.created) >= 3)  # well into its first batch
        assert len(fake.created) < REMINDERS
        fake.delay_seconds = 0  # the rest need not be slow
        _another_worker_finishes(url, fake)
        _each_patient_got_exactly_one_text(url, fake)


def test_worker_killed_between_twilios_answer_and_the_record_sends_nothing_twice(url, tmp_path):
    with FakeTwilio(clock=lambda: NOW) as fake:
        victim = _worker(url, fake, tmp_path, "--die-after=5")
        assert victim.wait(timeout=120) == -signal.SIGKILL
        assert 5 <= len(fake.created) < REMINDERS
        _another_worker_finishes(url, fake)
        _each_patient_got_exactly_one_text(url, fake)


@pytest.mark.postgres
def test_postgres_restarting_mid_round_loses_and_repeats_nothing(postgres_url, tmp_path):
    fresh_postgres(postgres_url)
    engine = make_engine(postgres_url)
    seed_due_anywhere(engine, REMINDERS)
    engine.dispose()
    with FakeTwilio(delay_seconds=0.2, accept_before_reply=True, clock=lambda: NOW) as fake:
        gateway = twilio_gateway(fake.base_url)
        worker = make_dispatcher(postgres_url, "through-restart", gateway, concurrency=8, batch=20)
        done = threading.Event()

        def rounds() -> None:
            # The worker's own loop carries on after a failed poll; so does this one.
            while not done.is_set():
                try:
                    drain(worker, NOW)
                    done.set()
                except DBAPIError:
                    time.sleep(0.1)

        thread = threading.Thread(target=rounds)
        thread.start()
        while len(fake.created) < 8:
            assert thread.is_alive()
            time.sleep(0.01)
        restart_postgres(postgres_url)
        fake.delay_seconds = 0
        thread.join(timeout=120)
        assert not thread.is_alive()
        worker.close()
        worker.engine.dispose()
        _another_worker_finishes(postgres_url, fake)
        _each_patient_got_exactly_one_text(postgres_url, fake)


def _serve(url: str, fake: FakeTwilio, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": fake.base_url,
        "PUBLIC_BASE_URL": "https://reminders.example.org",
        "SMS_MAX_PER_SECOND": "1000",
        "DISPATCH_INTERVAL_SECONDS": "0.2",
        "CLAIM_LEASE_SECONDS": "5",
        "SEND_CONCURRENCY": "8",
        # The process runs on the real clock: whatever the hour, its texts are in the window.
        "SENDING_WINDOW_START": "00:00",
        "SENDING_WINDOW_END": "23:59",
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "serve"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_the_api_killed_mid_round_loses_and_repeats_nothing(url, tmp_path):
    from datetime import UTC, datetime

    from sqlalchemy import text as sql

    from tests.support.net import free_port

    # `reminders serve` (API and its in-process worker) reads the real clock, so its texts
    # fall due by the real clock too: the one place this suite reads it.
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sql("UPDATE reminder SET due_at = :due, next_attempt_at = :due, useful_until = :end"),
            {
                "due": datetime.now(UTC) - timedelta(minutes=1),
                "end": datetime.now(UTC) + timedelta(days=1),
            },
        )
    # Twilio takes each text at once and answers 0.3 s later.
    with FakeTwilio(delay_seconds=0.3, accept_before_reply=True) as fake:
        api = _serve(url, fake, free_port(), tmp_path / "serve.log")
        kill_midway(api, lambda: len(fake.created) >= 3)
        assert len(fake.created) < REMINDERS
        fake.delay_seconds = 0
        again = _serve(url, fake, free_port(), tmp_path / "serve.log")
        try:
            deadline = time.monotonic() + 180  # guards against a hang; not a speed check
            while reminder_states(engine) != {"sent": REMINDERS}:
                assert again.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                assert time.monotonic() < deadline, reminder_states(engine)
                time.sleep(0.2)
        finally:
            again.send_signal(signal.SIGTERM)
            again.wait(timeout=60)
        engine.dispose()
        _each_patient_got_exactly_one_text(url, fake)
