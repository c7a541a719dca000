"""`reminders api` with API_WORKERS > 1: several processes answer on one port and stop cleanly."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from service.auth.keys import create_api_key
from service.db import make_engine, session_scope
from tests.conftest import REPO_ROOT
from tests.support.net import free_port
from tests.support.schema import copy_sqlite


def test_two_api_processes_serve_one_port_and_stop_on_sigterm(
    tmp_path: Path, clock, sqlite_at_head: Path
):
    url = copy_sqlite(sqlite_at_head, tmp_path / "reminders.db")
    engine = make_engine(url)
    with session_scope(engine) as session:
        _, secret = create_api_key(session, role="staff", name="desk", now=clock.now)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "API_WORKERS": "2"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "api"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # waiting for start-up, not asserting on its speed
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {secret}"}
        for n in range(10):
            response = httpx.post(  # a new connection each time: either process may answer
                f"{base}/v1/patients",
                json={
                    "given_name": f"P{n}",
                    "family_name": f"Q{n}",
                    "phone": "2125550142",
                    "sms_consent": True,
                },
                headers=headers,
            )
            assert response.status_code == 201, response.text
        found = httpx.get(f"{base}/v1/patients", params={"phone": "2125550142"}, headers=headers)
        assert len(found.json()) == 10
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    assert code == 0
