"""APScheduler runs the dispatch round and the housekeeping; the database holds the reminders.

No reminder lives in APScheduler's job store: its jobs are fixed intervals, so any
number of workers can run side by side and a restarted one just starts polling again.
With Twilio, a third job reads Twilio's log for texts our webhook missed (scheduler/inbound.py);
its high-water mark is in the database too.
"""

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from scheduler.inbound import InboundCatchUpJob
from service.config import Settings, get_settings
from service.conversation.twilio_log import message_log
from service.db import make_engine
from service.delivery.claim import sweep_expired_claims
from service.delivery.dispatch import Dispatcher
from service.delivery.gateway import SmsGateway
from service.delivery.gateways import build_gateway, status_callback_url
from service.logging import configure_logging
from service.timeline.active import active_plan_for_engine
from service.workers.heartbeat import RUNNING, STOPPED, beat

log = logging.getLogger("reminders.worker")

HOUSEKEEPING_SECONDS = 300
# Dispatch rounds a worker runs side by side on PostgreSQL (see DispatchLoop).
LANES = 2


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DispatchLoop:
    """One poll: beat, then keep claiming and sending while full batches come back, then rest."""

    def __init__(self, dispatcher: Dispatcher, clock: Callable[[], datetime] = utc_now) -> None:
        self.dispatcher = dispatcher
        self.clock = clock
        self.stopping = threading.Event()
        self.started_at = clock()
        # Held while a poll runs: finish() waits on it for the slot in hand.
        self._polling = threading.Lock()

    def __call__(self) -> None:
        with self._polling:
            if self.stopping.is_set():
                return
            self.heartbeat(RUNNING)
            # Two rounds side by side on PostgreSQL: while one waits for the database the
            # other renders its texts. Each claims its own batch (SKIP LOCKED).
            lanes = 1 if self.dispatcher.concurrency == 1 else LANES
            others = [
                threading.Thread(target=self._rounds, name=f"round-{n}", daemon=True)
                for n in range(1, lanes)
            ]
            for lane in others:
                lane.start()
            self._rounds()
            for lane in others:
                lane.join()

    def _rounds(self) -> None:
        """Claim and send batch after batch until one comes back short."""
        batch = self.dispatcher.settings.dispatch_batch_size
        try:
            while not self.stopping.is_set():
                # Not settling: the next batch is claimed while this one's texts are out.
                report = self.dispatcher.run_once(self.clock(), clock=self.clock, settle=False)
                if report.claimed_rows < batch:
                    return
        except Exception:  # the next poll tries again
            log.exception("dispatch round failed worker_id=%s", self.dispatcher.worker_id)

    def heartbeat(self, state: str) -> None:
        try:
            beat(
                self.dispatcher.engine,
                self.dispatcher.worker_id,
                self.started_at,
                self.clock(),
                state,
            )
        except Exception:  # a missed beat must never stop the sending
            log.exception("heartbeat failed worker_id=%s", self.dispatcher.worker_id)

    def stop(self) -> None:
        """Stop claiming: slots already sending finish, the others are not started."""
        self.stopping.set()
        self.dispatcher.stopping.set()

    def finish(self) -> int:
        """After stop(): wait for the poll in hand and the texts in flight to be recorded,
        give back unsent claims, say stopped."""
        self.stop()
        with self._polling:
            self.dispatcher.close()
            released = self.dispatcher.release_claims()
            self.heartbeat(STOPPED)
        log.info(
            "worker %s stopped; released %s unsent claim(s)", self.dispatcher.worker_id, released
        )
        return released


def build_dispatcher(settings: Settings, engine: Engine, gateway: SmsGateway) -> Dispatcher:
    return Dispatcher(
        engine,
        gateway,
        settings,
        plan=lambda: active_plan_for_engine(settings, engine),
        worker_id=worker_id(),
        status_callback_url=status_callback_url(settings),
    )


def inbound_catch_up_job(
    settings: Settings, engine: Engine, gateway: SmsGateway
) -> InboundCatchUpJob | None:
    """The catch-up for Twilio's number; None with the console gateway (nothing to read)."""
    twilio_log = message_log(settings)
    if twilio_log is None:
        if settings.sms_gateway == "twilio":
            log.warning(
                "inbound catch-up off: set TWILIO_INBOUND_NUMBER (the number patients text) so "
                "texts Twilio holds after a webhook outage are taken in"
            )
        return None
    return InboundCatchUpJob(engine, settings, twilio_log, gateway)


def schedule_jobs(
    scheduler: BaseScheduler,
    loop: DispatchLoop,
    engine: Engine,
    catch_up: InboundCatchUpJob | None = None,
) -> None:
    interval = loop.dispatcher.settings.dispatch_interval_seconds
    # One round at a time per worker; a slow round is never stacked behind another.
    scheduler.add_job(
        loop,
        "interval",
        seconds=interval,
        id="dispatch",
        max_instances=1,
        coalesce=True,
        next_run_time=utc_now(),
    )
    scheduler.add_job(
        lambda: sweep_expired_claims(engine, utc_now()),
        "interval",
        seconds=HOUSEKEEPING_SECONDS,
        id="housekeeping",
        max_instances=1,
        coalesce=True,
    )
    if catch_up is not None:
        scheduler.add_job(
            catch_up,
            "interval",
            minutes=catch_up.settings.inbound_catch_up_minutes,
            id="inbound_catch_up",
            max_instances=1,
            coalesce=True,
            next_run_time=utc_now(),
        )


def start_background_worker(
    settings: Settings, engine: Engine
) -> tuple[BackgroundScheduler, DispatchLoop]:
    """The worker inside another process (`reminders serve`)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    loop = _worker_jobs(scheduler, settings, engine)
    scheduler.start()
    return scheduler, loop


def _worker_jobs(scheduler: BaseScheduler, settings: Settings, engine: Engine) -> DispatchLoop:
    """The worker's jobs on `scheduler`, sending through the configured gateway."""
    gateway = build_gateway(settings)
    loop = DispatchLoop(build_dispatcher(settings, engine, gateway))
    schedule_jobs(scheduler, loop, engine, inbound_catch_up_job(settings, engine, gateway))
    return loop


def worker_engine(url: str) -> Engine:
    """An engine for the worker: a connection for each of its two rounds, the recorder's,
    the heartbeat's and the catch-up's (its texts go out from threads that need none)."""
    return make_engine(url, pool_size=4, max_overflow=4, planned_each_time=True)


def run_worker(settings: Settings) -> None:
    """The worker as its own process, until SIGTERM or Ctrl-C; exits 0 on either."""
    engine = worker_engine(settings.database_url)
    scheduler = BlockingScheduler(timezone=UTC)
    loop = _worker_jobs(scheduler, settings, engine)

    def stop(signum: int, _frame: FrameType | None) -> None:
        # Stop claiming; the slots already sending finish, the rest are released below.
        log.info("worker stopping on signal %s", signum)
        loop.stop()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "worker %s polling every %ss", loop.dispatcher.worker_id, settings.dispatch_interval_seconds
    )
    scheduler.start()
    loop.finish()
    engine.dispose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    run_worker(settings)
