"""The embedded default gateway: prints each text instead of sending it."""

import sys
import uuid
from typing import TextIO

from service.delivery.gateway import Accepted, OutgoingText
from service.messaging.masking import mask_phone


class ConsoleGateway:
    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    def send(self, text: OutgoingText) -> Accepted:
        # Printing the body is this gateway's whole purpose (a developer's terminal);
        # the number stays masked all the same.
        out = self._out or sys.stdout
        print(f"[console sms] to {mask_phone(text.to)}\n{text.body}\n", file=out, flush=True)
        return Accepted(provider_message_id=f"console-{uuid.uuid4().hex}", status="sent")
