"""Send: keep up to SEND_CONCURRENCY texts with the provider at once, each on its own.

Every text is handed on the moment its own answer comes back, so one slow or hung call
(bounded by the gateway's timeout) holds up only its own text. No database connection
or row lock is held here.
"""

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .chunk import Text
from .gateway import Accepted, OutgoingText, SendFailed, SmsGateway
from .record import Outcome

T = TypeVar("T")
R = TypeVar("R")


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
        self._slots = threading.BoundedSemaphore(concurrency)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="send")

    def outgoing(self, text: Text) -> OutgoingText:
        # The attempt's id rides in the callback URL, so a receipt settles the attempt
        # even when the worker that sent it died before recording Twilio's answer.
        callback = self.status_callback_url
        if callback:
            callback += ("&" if "?" in callback else "?") + f"attempt={text.message_id}"
        return OutgoingText(text.phone, text.body, callback)

    def send_one(self, text: Text) -> Accepted | SendFailed:
        try:
            return self.gateway.send(self.outgoing(text))
        except SendFailed as failure:
            return failure
        except Exception as exc:  # an unexpected gateway fault is a passing fault
            return SendFailed(f"{type(exc).__name__}: {exc}", retryable=True, code="error")

    def submit(self, text: Text) -> None:
        """Start sending `text`; waits while `concurrency` texts are already in flight."""
        self._slots.acquire()
        try:
            self._pool.submit(self._send, text)
        except BaseException:
            self._slots.release()
            raise

    def _send(self, text: Text) -> None:
        try:
            result = self.send_one(text)
        finally:
            self._slots.release()
        self.on_outcome(Outcome(text, result))

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` over `items` on the sending threads (take-over lookups)."""
        return list(self._pool.map(fn, items))

    def close(self) -> None:
        """Wait for the texts in flight, then stop the threads."""
        self._pool.shutdown(wait=True)
