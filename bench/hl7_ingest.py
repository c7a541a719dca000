"""`python -m bench.hl7_ingest`: SIU^S12 bookings over one MLLP connection to
`reminders hl7` on a throwaway PostgreSQL (the suite's settings: fsync off).

Each message books a new patient's MILD procedure (enroll, plan and insert the
timeline's reminders, queue the consent request, log the message, commit) and the
client waits for each ACK before sending the next, as interface engines do. Measures
messages/s and the ACK latency (frame sent to ACK read) p50/p99; 3 runs on a fresh
database each, medians written to bench/RESULTS.md. Target: >= 300 messages/s, p99 < 100 ms.
"""

import os
import socket
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.results import write_section
from tests.conftest import run_migrations
from tests.support.net import free_port
from tests.support.postgres import reset_database, throwaway_postgres

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 2000
WARMUP = 100
RUNS = 3
START, END = b"\x0b", b"\x1c\x0d"


def message(n: int) -> bytes:
    text = "\r".join(
        [
            f"MSH|^~\\&|EPIC|LAKESIDE|MILD|REM|20270101090000||SIU^S12|B{n}|P|2.5.1",
            f"SCH|P{n}|F{n}|||||0275T^MILD^C4|||60|min|^^60^2027031{n % 10}0700-0500",
            f"PID|1||MRN{n:07d}^^^H^MR||PATIENT{n}^ANA||19560412|F|||||(212)2{n % 100:02d}-{n:04d}"
            "^PRN^CP||SPA^Spanish",
            f"AIS|1||0275T^MILD^C4|2027031{n % 10}0700-0500",
        ]
    )
    return START + text.encode() + END


def read_ack(sock: socket.socket, pending: bytearray) -> bytes:
    while END not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("listener closed")
        pending += chunk
    at = pending.index(END)
    block = bytes(pending[:at])
    del pending[: at + len(END)]
    return block


def _cpu_seconds(pid: int) -> float:
    """utime + stime of the listener process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(url: str) -> tuple[float, float, float, float]:
    reset_database(url)
    run_migrations(url)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HL7_MLLP_PORT": str(port),
        "CLINIC_NAME": "Lakeside Spine",
        "CLINIC_PHONE": "(555) 201-3344",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "reminders"), "hl7"], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        pending = bytearray()
        latencies = []
        for n in range(WARMUP + MESSAGES):
            sent = time.perf_counter()
            sock.sendall(message(n))
            ack = read_ack(sock, pending)
            if b"MSA|AA|" not in ack:
                raise RuntimeError(f"message {n} not applied: {ack!r}")
            if n == WARMUP:
                began, cpu = sent, _cpu_seconds(process.pid)
            if n >= WARMUP:
                latencies.append(time.perf_counter() - sent)
        elapsed = time.perf_counter() - began
        cpu = _cpu_seconds(process.pid) - cpu
        sock.close()
    finally:
        process.terminate()
        process.wait(10)
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    return MESSAGES / elapsed, p50, p99, cpu * 1000 / MESSAGES


def main() -> None:
    with throwaway_postgres() as url:
        runs = [one_run(url) for _ in range(RUNS)]
    for rate, p50, p99, cpu in runs:
        print(
            f"{rate:.0f} messages/s, ACK p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"listener CPU {cpu:.1f} ms a message",
            flush=True,
        )
    rate = statistics.median(r[0] for r in runs)
    p50 = statistics.median(r[1] for r in runs)
    p99 = statistics.median(r[2] for r in runs)
    cpu = statistics.median(r[3] for r in runs)
    rate_met = "yes" if rate >= 300 else "**no**"
    latency_met = "yes" if p99 < 100 else "**no**"
    load = os.getloadavg()[0]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_section(
        "hl7-ingest",
        f"""## HL7 v2 feed: SIU^S12 over one MLLP connection

Reproduce: `.venv/bin/python -m bench.hl7_ingest`. `reminders hl7` (one process) on a
throwaway PostgreSQL (the suite's settings: fsync and synchronous_commit off); one
connection sends {MESSAGES} SIU^S12 bookings (after {WARMUP} warm-up), each a new
patient with a MILD procedure (21 reminders planned, the consent request queued, the
message logged, committed before its ACK), and waits for each ACK before the next.
{RUNS} runs on a fresh database each; medians.
Generated {stamp}; load average {load:.1f} on 2 CPUs shared with other work.
Runs: {"; ".join(f"{r:.0f}/s p50 {a:.1f} ms p99 {b:.1f} ms" for r, a, b, _ in runs)}.

| measure | result (median) | target | met |
|---|---|---|---|
| messages/s | {rate:.0f} | >= 300 | {rate_met} |
| ACK latency p50 / p99 | {p50:.1f} ms / {p99:.1f} ms | p99 < 100 ms | {latency_met} |
| listener CPU per message (/proc) | {cpu:.1f} ms | | |
""",
    )


if __name__ == "__main__":
    main()
