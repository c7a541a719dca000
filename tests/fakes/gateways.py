"""In-memory SMS gateways for the worker's tests."""

import threading
from collections.abc import Iterable
from datetime import datetime

from service.delivery.gateway import Accepted, OutgoingText, SendFailed


class RecordingGateway:
    """Accepts every text and remembers it; `failures` are raised first, in order."""

    name = "fake"

    def __init__(self, failures: Iterable[SendFailed] = (), *, prefix: str = "fake") -> None:
        self.prefix = prefix  # provider ids are unique: two gateways need two prefixes
        self.sent: list[OutgoingText] = []
        self.failures = list(failures)
        self._lock = threading.Lock()

    def send(self, text: OutgoingText) -> Accepted:
        with self._lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(text)
            return Accepted(provider_message_id=f"{self.prefix}-{len(self.sent)}", status="sent")

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        with self._lock:
            for n, sent in enumerate(self.sent, start=1):
                if (sent.to, sent.body) == (text.to, text.body):
                    return Accepted(provider_message_id=f"{self.prefix}-{n}", status="sent")
        return None

    def bodies_to(self, phone: str) -> list[str]:
        return [t.body for t in self.sent if t.to == phone]
