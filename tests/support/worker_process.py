"""A dispatch worker in its own process, for the multi-process tests and benchmarks.

    python -m tests.support.worker_process URL NOW_ISO WORKER_ID LOG_PATH \
        [--concurrency N] [--batch N] [--delay-ms N] [--go PATH] \
        [--twilio BASE_URL [--die-after N]]

It drains what is due at NOW (run_once until nothing is claimed). Its gateway appends
each accepted text's recipient to LOG_PATH, one line per text, flushed at once, so the
count survives a SIGKILL. With --go it writes LOG_PATH.ready and waits for PATH to exist,
so several processes start draining together.
"""

import argparse
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from scheduler.worker import worker_engine
from service.config import Settings
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import Accepted, OutgoingText
from service.delivery.twilio_gateway import TwilioGateway
from service.timeline.active import active_plan_for_engine


class FileLogGateway:
    """Accepts every text after `delay` seconds and logs its recipient to a file.

    The `*.log` files of its folder together are the "provider's" memory: a worker that
    takes over finds there what a killed worker's gateway accepted.
    """

    name = "filelog"

    def __init__(self, path: Path, delay: float = 0.0) -> None:
        self.path = path
        self.delay = delay
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def send(self, text: OutgoingText) -> Accepted:
        if self.delay:
            time.sleep(self.delay)
        sid = uuid.uuid4().hex
        with self._lock:
            os.write(self._fd, f"{text.to} {sid}\n".encode())  # one syscall: survives SIGKILL
        return Accepted(provider_message_id=sid, status="sent")

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        for log in self.path.parent.glob("*.log"):
            for line in log.read_text().splitlines():
                to, _, sid = line.partition(" ")
                if to == text.to and sid:
                    return Accepted(provider_message_id=sid, status="sent")
        return None


ACCOUNT_SID = "AC" + "0" * 32
CLINIC_NUMBER = "+15005550006"


def twilio_gateway(base_url: str) -> TwilioGateway:
    """The real Twilio gateway, pointed at a stand-in (the fake, Prism, a bench server)."""
    return TwilioGateway(
        ACCOUNT_SID, "token", None, CLINIC_NUMBER, api_base_url=base_url, max_per_second=1e6
    )


class DiesAfterAnswers:
    """Twilio's gateway in a worker that SIGKILLs itself right after the `n`-th answer:
    the provider has the text, the worker never records it."""

    def __init__(self, gateway: TwilioGateway, n: int) -> None:
        self.gateway = gateway
        self.name = gateway.name
        self.n = n
        self._answers = 0
        self._lock = threading.Lock()

    def send(self, text: OutgoingText) -> Accepted:
        accepted = self.gateway.send(text)
        with self._lock:
            self._answers += 1
            if self._answers >= self.n:
                os.kill(os.getpid(), signal.SIGKILL)
        return accepted

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        return self.gateway.find_accepted(text, since)


def read_log(path: Path) -> list[str]:
    """The recipients logged, one per accepted text."""
    if not path.exists():
        return []
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def make_dispatcher(
    url: str, worker_id: str, gateway: object, *, concurrency: int, batch: int
) -> Dispatcher:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        send_concurrency=concurrency,
        dispatch_batch_size=batch,
    )
    engine = worker_engine(url)
    return Dispatcher(
        engine,
        gateway,  # type: ignore[arg-type]
        settings,
        plan=lambda: active_plan_for_engine(settings, engine),
        worker_id=worker_id,
    )


def drain(dispatcher: Dispatcher, now: datetime) -> int:
    sent = 0
    while True:
        report = dispatcher.run_once(now)
        sent += report.sent
        if report.claimed_rows == 0:
            return sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("now")
    parser.add_argument("worker_id")
    parser.add_argument("log", type=Path)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--go", type=Path)
    parser.add_argument("--twilio", help="send through TwilioGateway to this base URL")
    parser.add_argument("--die-after", type=int, help="SIGKILL after this many answers")
    args = parser.parse_args()
    gateway: object = FileLogGateway(args.log, args.delay_ms / 1000)
    if args.twilio:
        gateway = twilio_gateway(args.twilio)
        if args.die_after:
            gateway = DiesAfterAnswers(gateway, args.die_after)  # type: ignore[arg-type]
    dispatcher = make_dispatcher(
        args.url, args.worker_id, gateway, concurrency=args.concurrency, batch=args.batch
    )
    if args.go is not None:
        Path(f"{args.log}.ready").touch()
        while not args.go.exists():
            time.sleep(0.01)
    drain(dispatcher, datetime.fromisoformat(args.now))
    dispatcher.engine.dispose()


if __name__ == "__main__":
    main()


def kill_midway(process: subprocess.Popen[bytes], started: Callable[[], bool]) -> None:
    """SIGKILL `process` once `started()` says it is well into its work (waiting for that,
    never timing it); it must not have finished first."""
    try:
        while not started():
            assert process.poll() is None, "it finished before it could be killed"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
