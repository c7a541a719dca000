"""A dispatch worker in its own process, for the multi-process tests and benchmarks.

    python -m tests.support.worker_process URL NOW_ISO WORKER_ID LOG_PATH \
        [--concurrency N] [--batch N] [--delay-ms N] [--go PATH]

It drains what is due at NOW (run_once until nothing is claimed). Its gateway appends
each accepted text's recipient to LOG_PATH, one line per text, flushed at once, so the
count survives a SIGKILL. With --go it writes LOG_PATH.ready and waits for PATH to exist,
so several processes start draining together.
"""

import argparse
import os
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from service.config import Settings
from service.db import make_engine
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import Accepted, OutgoingText
from service.timeline.active import active_plan_for_engine


class FileLogGateway:
    """Accepts every text after `delay` seconds and logs its recipient to a file."""

    name = "filelog"

    def __init__(self, path: Path, delay: float = 0.0) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def send(self, text: OutgoingText) -> Accepted:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            os.write(self._fd, f"{text.to}\n".encode())  # one syscall: survives SIGKILL
        return Accepted(provider_message_id=uuid.uuid4().hex, status="sent")


def read_log(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def make_dispatcher(
    url: str, worker_id: str, gateway: object, *, concurrency: int, batch: int
) -> Dispatcher:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        send_concurrency=concurrency,
        dispatch_batch_size=batch,
    )
    engine = make_engine(url, pool_size=4, max_overflow=4)
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
    args = parser.parse_args()
    gateway = FileLogGateway(args.log, args.delay_ms / 1000)
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
