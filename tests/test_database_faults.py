"""When the database fails, the API says so (503, Retry-After), logs it once, changes
nothing, and recovers by itself when the database is back. The embedded file is private."""

import logging
import os
import sqlite3
import stat
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service.app import create_app
from service.auth.keys import create_api_key
from service.config import Settings
from service.db import make_engine, session_scope
from tests.conftest import REPO_ROOT, Clock, enroll, run_migrations
from tests.support.net import free_port
from tests.support.postgres import reset_database, server_down

PATIENT = {
    "given_name": "Ruth",
    "family_name": "Okafor",
    "phone": "(212) 555-0199",
    "sms_consent": True,
    # The stories enroll the same person again on purpose, to see each answer.
    "allow_duplicate": True,
}


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_embedded_database_and_its_wal_files_are_private(tmp_path):
    old_umask = os.umask(0o022)
    try:
        url = f"sqlite:///{tmp_path / 'var' / 'reminders.db'}"
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO note DEFAULT VALUES"))
        with engine.connect() as conn:  # keeps the -wal and -shm files in place
            conn.execute(text("SELECT count(*) FROM note")).scalar_one()
            files = sorted(p.name for p in (tmp_path / "var").iterdir())
            assert files == ["reminders.db", "reminders.db-shm", "reminders.db-wal"]
            for name in files:
                assert _mode(tmp_path / "var" / name) == 0o600, name
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(tmp_path / "var") == 0o700


def test_an_existing_database_file_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "reminders.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def _clinic(url: str, clock: Clock, **settings: object) -> tuple[Settings, dict[str, str]]:
    run_migrations(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="staff", name="desk", now=clock.now)
    engine.dispose()
    config = Settings(_env_file=None, database_url=url, **settings)  # type: ignore[call-arg]
    return config, {"Authorization": f"Bearer {secret}"}


def test_a_locked_sqlite_database_is_503_with_retry_after_not_500(tmp_path, clock, caplog):
    path = tmp_path / "reminders.db"
    impatient, staff = _clinic(f"sqlite:///{path}", clock, sqlite_busy_timeout_seconds=0.2)
    app = create_app(impatient, clock=clock)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with TestClient(app) as client, caplog.at_level(logging.WARNING):
            refused = client.post("/v1/patients", json=PATIENT, headers=staff)
    finally:
        blocker.rollback()
        blocker.close()
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) > 0
    assert "nothing was changed" in refused.json()["detail"]
    unavailable = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(unavailable) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with TestClient(app) as client:
        assert client.post("/v1/patients", json=PATIENT, headers=staff).status_code == 201
    app.state.engine.dispose()


@pytest.mark.postgres
def test_postgres_going_away_is_503_and_it_recovers_without_a_restart(postgres_url, clock, caplog):
    reset_database(postgres_url)
    settings, staff = _clinic(postgres_url, clock)
    app = create_app(settings, clock=clock)  # pooled connections, as in production
    with TestClient(app) as client:
        first = enroll(client, staff)
        assert client.get(f"/v1/patients/{first['id']}", headers=staff).status_code == 200
        with server_down(postgres_url), caplog.at_level(logging.WARNING):
            during = [
                client.post("/v1/patients", json=PATIENT, headers=staff),
                client.get(f"/v1/patients/{first['id']}", headers=staff),
                client.get("/v1/reminders", headers=staff),
            ]
            ready = client.get("/readyz")
        for response in during:
            assert response.status_code == 503, response.text
            assert int(response.headers["retry-after"]) > 0
        assert ready.status_code == 503
        # Each failure logged once, as a warning; no stack traces.
        unavailable = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert len(unavailable) == len(during)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        # Back again: the same app, the same pool, without a restart.
        after = client.post("/v1/patients", json=PATIENT, headers=staff)
        assert after.status_code == 201, after.text
        assert client.get(f"/v1/patients/{first['id']}", headers=staff).status_code == 200
    app.state.engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_real_server_keeps_its_connection_through_an_outage(postgres_url, clock, tmp_path):
    """`reminders api` as deployed: the same keep-alive connection gets 503, then 201."""
    reset_database(postgres_url)
    _, staff = _clinic(postgres_url, clock)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "API_WORKERS": "1",
        "LOG_LEVEL": "INFO",
    }
    log_path = tmp_path / "api.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", "from service.cli import main; main()", "api"],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=staff) as client:
                _wait_until_up(client, server, log_path)
                assert client.post("/v1/patients", json=PATIENT).status_code == 201
                with server_down(postgres_url):
                    down = client.post("/v1/patients", json=PATIENT)
                    assert down.status_code == 503, down.text
                    assert down.headers["retry-after"] == "5"
                again = client.post("/v1/patients", json=PATIENT)
                assert again.status_code == 201, again.text
        finally:
            server.terminate()
            server.wait(timeout=30)
    output = log_path.read_text()
    assert output.count("database unavailable") == 1, output
    assert "Traceback" not in output, output


def _wait_until_up(client: httpx.Client, server: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert server.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.1)


@pytest.mark.postgres
def test_a_connection_left_idle_across_a_restart_is_replaced_before_anyone_uses_it(
    postgres_url,
):
    """The pool checks a connection that sat idle (not every checkout: that was a round
    trip on every request); one the server closed meanwhile is swapped for a new one."""
    checked = make_engine(postgres_url, ping_after_idle_seconds=0, pool_size=1)
    trusting = make_engine(postgres_url, ping_after_idle_seconds=3600, pool_size=1)
    try:
        for engine in (checked, trusting):
            with engine.connect() as conn:  # one pooled connection each, now idle
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
        with server_down(postgres_url):
            pass  # a restart: every connection the server had is gone
        with checked.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        # Without the check the same situation costs the first request its answer.
        with pytest.raises(OperationalError), trusting.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        checked.dispose()
        trusting.dispose()
