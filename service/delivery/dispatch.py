"""The dispatch round, in Solid Queue's shape: claim -> (take over) -> prepare -> send -> record.

Delivery guarantee (effectively once): each text's attempt is written before the provider
is called and recorded as soon as the provider answers. A worker that dies in between
leaves the attempt open under a lease; whoever takes the reminders over asks the provider
whether it took the text before sending anything (takeover.py), and a delivery receipt
carrying the attempt's id settles it on its own (receipt_webhook.py).
"""

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from service.config import Settings
from service.templates.store import ActiveTemplates
from service.timeline.plan import TimelinePlan

from .chunk import RoundReport, Slot
from .claim import claim, release_claims, sweep_expired_claims
from .gateway import SmsGateway
from .one_off import take_over_one_offs
from .prepare import Preparer
from .record import Outcome, Outcomes
from .recorder import Recorder
from .retry import MAX_BACKOFF, retry_delay
from .send import Sender
from .takeover import open_attempts, take_over

__all__ = [
    "MAX_BACKOFF",
    "Dispatcher",
    "RoundReport",
    "Slot",
    "release_claims",
    "retry_delay",
    "sweep_expired_claims",
]

log = logging.getLogger("reminders.dispatch")

# Texts prepared per transaction, in provider answers per sending thread: a prepared text
# waits a few answers at most to go out (and a stopping worker a few answers to finish).
CHUNK_ANSWERS = 4


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        gateway: SmsGateway,
        settings: Settings,
        plan: Callable[[], TimelinePlan],
        *,
        worker_id: str,
        status_callback_url: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.gateway = gateway
        self.settings = settings
        self.plan = plan
        self.worker_id = worker_id
        self.status_callback_url = status_callback_url
        self.outcomes = Outcomes(settings, rng or random.Random())  # noqa: S311 - jitter
        self.preparer = Preparer(settings, worker_id, gateway.name, self.outcomes)
        # Texts in flight at once. SQLite takes one writer at a time, so parallel sends
        # would only queue behind the recorder.
        self.concurrency = 1 if engine.dialect.name == "sqlite" else settings.send_concurrency
        # Texts prepared in one transaction: a few statements cover the whole chunk, so
        # the bigger it is the less each text costs, while its row locks last milliseconds.
        self.chunk_size = self.concurrency * (1 if self.concurrency == 1 else CHUNK_ANSWERS)
        # Set on graceful stop: slots not yet started are left for release_claims().
        self.stopping = threading.Event()
        self._in_flight: set[int] = set()  # attempts sent or sending, not yet recorded
        self._idle = threading.Condition()
        self._sender: Sender | None = None
        self._recorder: Recorder | None = None
        self._starting = threading.RLock()

    def run_once(
        self, now: datetime, clock: Callable[[], datetime] | None = None, *, settle: bool = True
    ) -> RoundReport:
        """Claim what is due at `now` and send it; returns what happened.

        With `clock`, each chunk is checked (window, usefulness) at the time it is
        prepared. With `settle` (the default) it returns once every text is recorded;
        the worker's loop passes False and claims the next batch while texts are out.
        """
        report = RoundReport()
        self._take_over_one_offs(now, report)
        slots, rows = self.claim(now)
        report.claimed, report.claimed_rows = len(slots), rows
        if not slots:
            return report
        self._take_over(slots, now, report)
        plan = self.plan()  # once a round: every text of the round follows the same plan
        templates = self._templates()  # and the same template versions
        for start in range(0, len(slots), self.chunk_size):
            if self.stopping.is_set():
                break  # what is left is released by release_claims()
            if self._sender is not None:
                # Prepare the next chunk once no more than one answer's worth of texts
                # waits for a sending thread: the threads never run dry while it is
                # prepared, a prepared text waits a few provider answers at most, and a
                # slow provider slows the claiming instead of piling up open attempts.
                self._sender.wait_for_room(2 * self.concurrency)
            chunk = slots[start : start + self.chunk_size]
            self._send_chunk(chunk, clock() if clock else now, plan, templates, report)
        if settle:
            self.wait_idle()
        return report

    def claim(self, now: datetime) -> tuple[list[Slot], int]:
        """Lease a batch of due reminders to this worker in one statement."""
        if self.stopping.is_set():
            return [], 0
        return claim(
            self.engine,
            self.worker_id,
            now,
            lease_seconds=self.settings.claim_lease_seconds,
            batch=self.settings.dispatch_batch_size,
        )

    def release_claims(self) -> int:
        """Give back this worker's claimed-but-unsent reminders (call once its round is over)."""
        return release_claims(self.engine, self.worker_id)

    def send_slot(self, slot: Slot, now: datetime) -> RoundReport:
        """Send one procedure's due text on its own and wait for its outcome."""
        report = RoundReport()
        self._send_chunk([slot], now, self.plan(), self._templates(), report)
        self.wait_idle()
        return report

    def _templates(self) -> ActiveTemplates:
        with Session(self.engine) as session:
            return ActiveTemplates.read(session)

    def _send_chunk(
        self,
        slots: list[Slot],
        now: datetime,
        plan: TimelinePlan,
        templates: ActiveTemplates,
        report: RoundReport,
    ) -> None:
        if self.stopping.is_set():
            return  # stopping: its claims are released, not sent
        ids = [s.procedure_id for s in slots]
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                texts = self.preparer.prepare(session, ids, now, plan, report, templates)
                session.commit()
        except Exception as exc:  # one bad chunk must not stop the round
            log.exception("chunk failed procedure_ids=%s", ids)
            report.errors.append(f"procedures {ids}: {exc}")
            # Hand its claims back at once (e.g. after a deadlock was broken) rather than
            # leaving them until the lease ends; the next poll tries again.
            try:
                release_claims(self.engine, self.worker_id, procedure_ids=ids)
            except Exception:
                log.exception("claims not released; their lease runs out instead")
            return
        sender = self._sending()
        if self.concurrency == 1:  # SQLite: each text sent and recorded before the next
            for text in texts:
                with self._idle:
                    self._in_flight.add(text.message_id)
                self._recording().put(Outcome(text, sender.send_one(text)))
                self.wait_idle()
            return
        with self._idle:
            self._in_flight.update(text.message_id for text in texts)
        for text in texts:
            sender.submit(text)

    def _take_over(self, slots: list[Slot], now: datetime, report: RoundReport) -> None:
        tried = [s.procedure_id for s in slots if s.tried_before]
        if not tried:
            return  # first tries only: no attempt of theirs can be open
        try:
            with self._idle:
                live = set(self._in_flight)
            with Session(self.engine) as session:
                attempts = open_attempts(session, self.worker_id, tried, live)
            if attempts:
                sender = self._sending()
                take_over(
                    self.engine, self.gateway, self.outcomes, attempts, now, report, sender.map
                )
        except Exception as exc:  # their attempts stay open; prepare leaves them alone
            log.exception("take-over failed")
            report.errors.append(f"take-over: {exc}")

    def _take_over_one_offs(self, now: datetime, report: RoundReport) -> None:
        """Staff's one-off texts left `sending` by a process that stopped mid-send."""
        if self.stopping.is_set():
            return
        try:
            take_over_one_offs(
                self.engine,
                self.gateway,
                self.outcomes,
                timedelta(seconds=self.settings.claim_lease_seconds),
                now,
                report,
                lambda ask, attempts: self._sending().map(ask, attempts),
            )
        except Exception as exc:  # they stay open; the next round asks again
            log.exception("one-off take-over failed")
            report.errors.append(f"one-off take-over: {exc}")

    def wait_idle(self) -> None:
        """Until every text this worker started is recorded (or given up on)."""
        with self._idle:
            while self._in_flight:
                self._idle.wait()

    def _written(self, batch: list[Outcome]) -> None:
        with self._idle:
            self._in_flight.difference_update(o.text.message_id for o in batch)
            self._idle.notify_all()

    def _sending(self) -> Sender:
        with self._starting:  # rounds may run side by side (DispatchLoop's lanes)
            if self._sender is None:
                self._sender = Sender(
                    self.gateway, self.concurrency, self._recording().put, self.status_callback_url
                )
            return self._sender

    def _recording(self) -> Recorder:
        with self._starting:
            if self._recorder is None:
                self._recorder = Recorder(self.engine, self.outcomes, self._written)
            return self._recorder

    def close(self) -> None:
        """Finish the texts in flight, record them, and stop the threads."""
        if self._sender is not None:
            self._sender.close()
            self._sender = None
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None
