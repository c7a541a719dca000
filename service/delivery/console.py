"""The embedded default gateway: prints each text instead of sending it."""

import sys
import threading
import uuid
from datetime import datetime
from typing import TextIO

from service.delivery.gateway import Accepted, OutgoingText
from service.messaging.masking import mask_phone


class ConsoleGateway:
    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out
        # What this process printed: a terminal keeps no record a restarted worker could
        # ask, so after a crash a text may be printed again (this gateway reaches no phone).
        self._printed: dict[tuple[str, str], Accepted] = {}
        self._lock = threading.Lock()

    def send(self, text: OutgoingText) -> Accepted:
        # Printing the body is this gateway's whole purpose (a developer's terminal);
        # the number stays masked all the same.
        out = self._out or sys.stdout
        print(f"[console sms] to {mask_phone(text.to)}\n{text.body}\n", file=out, flush=True)
        accepted = Accepted(provider_message_id=f"console-{uuid.uuid4().hex}", status="sent")
        with self._lock:
            self._printed[(text.to, text.body)] = accepted
        return accepted

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        """Whether this process already printed the text."""
        with self._lock:
            return self._printed.get((text.to, text.body))
