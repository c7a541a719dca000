"""The one interface every SMS provider implements (console, Twilio, test fakes)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OutgoingText:
    to: str  # E.164
    body: str
    # Where the provider should post delivery receipts; None where it has none.
    status_callback: str | None = None


@dataclass(frozen=True)
class Accepted:
    """The provider took the text; `provider_message_id` is e.g. Twilio's SID."""

    provider_message_id: str | None
    status: str = "sent"


class SendFailed(Exception):
    """The provider refused or could not be reached.

    `retryable` separates a passing fault (rate limit, 5xx, timeout) from a permanent
    one (invalid number); `opted_out` means the recipient has blocked the sender;
    `spends_attempt` is False for a fault of the clinic's own set-up (rejected
    credentials), which must not use up a patient's tries while someone fixes it.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        code: str | None = None,
        opted_out: bool = False,
        retry_after_seconds: float | None = None,
        spends_attempt: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.opted_out = opted_out
        self.retry_after_seconds = retry_after_seconds
        self.spends_attempt = spends_attempt


class SmsGateway(Protocol):
    name: str

    def send(self, text: OutgoingText) -> Accepted:
        """Hand one text to the provider; raise SendFailed when it is not accepted."""
        ...

    def find_accepted(self, text: OutgoingText, since: datetime) -> Accepted | None:
        """Did the provider already take this text (same number and body) since `since`?

        Asked before sending again a text whose worker died mid-send. None means no;
        SendFailed means the provider could not say, and then nothing is sent.
        """
        ...
