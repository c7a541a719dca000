"""A stranger's 100 MB post costs the real server almost nothing: it is refused from its
headers, or cut off at the limit while streaming, and never read whole."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.support.net import free_port
from tests.support.schema import copy_sqlite

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = b"a" * (1024 * 1024)

pytestmark = pytest.mark.slow


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


@pytest.fixture
def api_server(tmp_path, sqlite_at_head):
    url = copy_sqlite(sqlite_at_head, tmp_path / "reminders.db")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "API_WORKERS": "1",
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
        "TWILIO_AUTH_TOKEN": "webhook-secret",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "PUBLIC_BASE_URL": "https://reminders.example.org",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "api.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "api"],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "api.log").read_text()
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.1)
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _post_100_mb(port: int, *, chunked: bool) -> bytes:
    """Send headers and up to 100 MB of body; return what the server answered."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % HUNDRED_MB
    head = (
        b"POST /v1/twilio/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n" + framing + b"\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head)
        try:
            for _ in range(HUNDRED_MB // len(CHUNK)):
                if chunked:
                    conn.sendall(b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n")
                else:
                    conn.sendall(CHUNK)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the server stopped listening: that is the point
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    return answer


def test_a_100_mb_unsigned_post_is_refused_within_a_few_mb_of_memory(api_server):
    server, port = api_server
    base = f"http://127.0.0.1:{port}"
    # Warm up every code path a small refused webhook takes.
    for _ in range(3):
        small = httpx.post(f"{base}/v1/twilio/inbound", data={"Body": "hi"})
        assert small.status_code == 403
    assert "server" not in small.headers  # no banner naming the server software
    before = _peak_rss_kb(server.pid)

    declared = _post_100_mb(port, chunked=False)
    streamed = _post_100_mb(port, chunked=True)

    grown_mb = (_peak_rss_kb(server.pid) - before) / 1024
    assert declared.startswith(b"HTTP/1.1 413"), declared[:200]
    assert streamed.startswith(b"HTTP/1.1 413"), streamed[:200]
    assert grown_mb < 4, f"the server's peak memory grew by {grown_mb:.1f} MB"
    # And it still serves.
    assert httpx.get(f"{base}/healthz").status_code == 200
