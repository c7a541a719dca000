"""The recorder thread: writes each text's outcome as soon as it is known, gathering what
finishes within a few milliseconds into one transaction, so a slow text delays only itself."""

import logging
import queue
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from .record import Outcome, Outcomes

log = logging.getLogger("reminders.dispatch")

LINGER_SECONDS = 0.005
MAX_BATCH = 256


class Recorder:
    """A thread that writes outcomes as they arrive, batching what queued up meanwhile.

    A database that is down (restarting) is waited for: the outcomes stay in memory and
    are written when it answers again. If the worker dies first, the next worker finds
    the attempts open and asks the provider (see takeover.py).
    """

    def __init__(
        self,
        engine: Engine,
        outcomes: Outcomes,
        on_written: Callable[[list[Outcome]], None],
        *,
        max_wait_seconds: float = 2.0,
    ) -> None:
        self.engine = engine
        self.outcomes = outcomes
        self.on_written = on_written
        self.max_wait_seconds = max_wait_seconds
        self.stopping = threading.Event()
        self._queue: queue.SimpleQueue[Outcome | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="record", daemon=True)
        self._thread.start()

    def put(self, outcome: Outcome) -> None:
        self._queue.put(outcome)

    def close(self) -> None:
        """Write what is queued (a database still down is given a few more tries), then stop."""
        self.stopping.set()
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        closing = False
        while not closing:
            first = self._queue.get()
            batch = [] if first is None else [first]
            closing = first is None
            # Gather what finishes within a few ms of the first: one commit (one fsync)
            # for them all, and no text waits longer than that for another.
            linger_until = time.monotonic() + LINGER_SECONDS
            while not closing and len(batch) < MAX_BATCH:
                left = linger_until - time.monotonic()
                try:
                    item = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    closing = True
                else:
                    batch.append(item)
            if batch:
                self._write(batch, give_up_after=5 if closing else None)

    def _write(self, batch: list[Outcome], give_up_after: int | None) -> None:
        tries = 0
        while True:
            tries += 1
            try:
                with Session(self.engine) as session:
                    self.outcomes.write(session, batch)
                    session.commit()
            except Exception as exc:
                log.warning(
                    "recording %s outcome(s) failed (try %s): %s",
                    len(batch),
                    tries,
                    exc,
                )
                limit = give_up_after or (5 if self.stopping.is_set() else None)
                if limit is not None and tries >= limit:
                    # Left open: the next worker to take these reminders asks the provider.
                    log.error(
                        "gave up recording %s outcome(s); their attempts stay open", len(batch)
                    )
                    for outcome in batch:
                        outcome.text.report.errors.append("outcome not recorded")
                    self.on_written(batch)
                    return
                time.sleep(min(self.max_wait_seconds, 0.05 * 2**tries))
                continue
            self.on_written(batch)
            return
