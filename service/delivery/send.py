"""Send: keep up to SEND_CONCURRENCY texts with the provider at once, each on its own.

Every text is handed on the moment its own answer comes back, so one slow or hung call
(bounded by the gateway's timeout) holds up only its own text. No database connection
or row lock is held here.

The sending threads take texts from one queue: a hand-off costs a queue put and get,
not a future, a semaphore and a pool's bookkeeping, which mattered at thousands of
texts a second. The dispatcher keeps the queue short (`wait_for_room`) before it
prepares more, so a prepared text waits at most a few provider answers to go out.
"""

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from queue import SimpleQueue
from typing import TypeVar

from .chunk import Text
from .gateway import Accepted, OutgoingText, SendFailed, SmsGateway
from .record import Outcome

T = TypeVar("T")
R = TypeVar("R")


def outgoing(text: Text, status_callback_url: str | None) -> OutgoingText:
    # The attempt's id rides in the callback URL, so a receipt settles the attempt
    # even when the process that sent it died before recording Twilio's answer.
    callback = status_callback_url
    if callback:
        callback += ("&" if "?" in callback else "?") + f"attempt={text.message_id}"
    return OutgoingText(text.phone, text.body, callback)


def send_attempt(
    gateway: SmsGateway, text: Text, status_callback_url: str | None
) -> Accepted | SendFailed:
    """Hand one written attempt to the provider; its answer, never an exception."""
    try:
        return gateway.send(outgoing(text, status_callback_url))
    except SendFailed as failure:
        return failure
    except Exception as exc:  # an unexpected gateway fault is a passing fault
        return SendFailed(f"{type(exc).__name__}: {exc}", retryable=True, code="error")


class Sender:
    def __init__(
        self,
        gateway: SmsGateway,
        concurrency: int,
        on_outcome: Callable[[Outcome], None],
        status_callback_url: str | None = None,
    ) -> None:
        self.gateway = gateway
        self.concurrency = concurrency
        self.on_outcome = on_outcome
        self.status_callback_url = status_callback_url
        self._queue: SimpleQueue[Text | None] = SimpleQueue()
        # Texts handed over and not yet answered (queued or with the provider).
        self._backlog = 0
        self._counting = threading.Lock()
        self._room = threading.Event()
        self._room_at = -1  # the backlog `wait_for_room` waits for; -1: nobody waits
        self._threads = [
            threading.Thread(target=self._run, name=f"send-{n}", daemon=True)
            for n in range(concurrency)
        ]
        for thread in self._threads:
            thread.start()

    def outgoing(self, text: Text) -> OutgoingText:
        return outgoing(text, self.status_callback_url)

    def send_one(self, text: Text) -> Accepted | SendFailed:
        return send_attempt(self.gateway, text, self.status_callback_url)

    def submit(self, text: Text) -> None:
        """Hand `text` to the sending threads; the next free one sends it."""
        with self._counting:
            self._backlog += 1
        self._queue.put(text)

    def wait_for_room(self, backlog: int) -> None:
        """Until no more than `backlog` texts are queued or with the provider."""
        while True:
            with self._counting:
                if self._backlog <= backlog:
                    self._room_at = -1
                    return
                self._room_at = backlog
                self._room.clear()
            self._room.wait()

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            try:
                self.on_outcome(Outcome(text, self.send_one(text)))
            finally:  # counted out whatever happened, or the dispatcher would wait forever
                with self._counting:
                    self._backlog -= 1
                    if self._room_at >= 0 and self._backlog <= self._room_at:
                        self._room.set()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` over `items`, up to `concurrency` at once (take-over lookups: rare)."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="look-up") as pool:
            return list(pool.map(fn, items))

    def close(self) -> None:
        """Send what is queued, wait for the texts in flight, then stop the threads."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
