"""`python -m bench.sqlite_load`: 16 clients against `reminders serve` on the embedded SQLite.

The target (issue 11): every request under 2 s at p99 with 16 concurrent clients, the
worker polling in the same process. Each client enrolls a patient, books a procedure,
reads the patient, the procedure and the messages, and reschedules -- the clinic's daily
mix of writes and audited reads. Prints the latency percentiles; exits 1 if p99 >= 2 s.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_P99_SECONDS = 2.0


def _cli(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        **kwargs,  # type: ignore[arg-type]
    )


def run(clients: int, rounds: int) -> dict[str, float]:
    from tests.support.net import free_port

    folder = Path(tempfile.mkdtemp(prefix="mild-sqlite-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'reminders.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "DISPATCH_INTERVAL_SECONDS": "1",
        "AUTH_FAILURES_PER_MINUTE": "10000",
    }
    _cli("migrate", env=env)
    key = _cli("api-key", "create", "--role", "staff", "--name", "bench", env=env)
    secret = key.stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    # Soon enough that the week-before text is due at once: the worker sends as we go.
    day = datetime.now(UTC) + timedelta(days=5)

    def call(conn: http.client.HTTPConnection, method: str, path: str, body: object = None) -> dict:
        started = time.perf_counter()
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if response.status >= 300:
                errors.append(f"{method} {path}: {response.status} {data[:120]!r}")
        return json.loads(data) if data else {}

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for i in range(rounds):
                phone = f"(212) 555-{(number * rounds + i) % 10_000:04d}"
                patient = call(
                    conn,
                    "POST",
                    "/v1/patients",
                    {"given_name": "Bench", "family_name": "Mark", "phone": phone,
                     "sms_consent": True},
                )  # fmt: skip
                when = day.strftime("%Y-%m-%dT07:00:00")
                procedure = call(
                    conn, "POST", f"/v1/patients/{patient['id']}/procedures", {"scheduled_at": when}
                )
                call(conn, "GET", f"/v1/patients/{patient['id']}")
                call(conn, "GET", f"/v1/procedures/{procedure['id']}")
                call(conn, "GET", f"/v1/patients/{patient['id']}/messages")
                later = (day + timedelta(days=1)).strftime("%Y-%m-%dT08:00:00")
                call(conn, "PATCH", f"/v1/procedures/{procedure['id']}", {"scheduled_at": later})
        finally:
            conn.close()

    base_deadline = time.monotonic() + 60
    try:
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > base_deadline or server.poll() is not None:
                    raise RuntimeError("the API did not start") from None
                time.sleep(0.1)
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    latencies.sort()
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sqlite_load", description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=20, help="patients per client")
    args = parser.parse_args()
    result = run(args.clients, args.rounds)
    met = result["p99"] < TARGET_P99_SECONDS
    print(
        f"SQLite, {args.clients} clients, `reminders serve`: {result['requests']:.0f} requests, "
        f"{result['per_second']:.0f}/s; p50 {result['p50'] * 1000:.0f} ms, "
        f"p99 {result['p99'] * 1000:.0f} ms, max {result['max'] * 1000:.0f} ms "
        f"(target p99 < {TARGET_P99_SECONDS:.0f} s: {'met' if met else 'NOT met'})"
    )
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
