"""The plain records one dispatch round passes along: claim -> prepare -> send -> record."""

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from service.procedures.models import ReminderStatus


@dataclass
class RoundReport:
    """What a round did. With a pipelined round the send counts arrive as texts finish."""

    claimed: int = 0
    claimed_rows: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def add(self, other: "RoundReport") -> None:
        for name in ("sent", "retried", "failed", "skipped", "deferred"):
            self.count(name, getattr(other, name))
        with self._lock:
            self.errors.extend(other.errors)


@dataclass(frozen=True)
class Slot:
    """Everything of one procedure that is due now: it goes out as one text.

    Steps planned for the same time share a text by design; a worker catching up
    after an outage also folds what piled up into one text rather than a burst.
    """

    procedure_id: int
    # One of its reminders was tried before: an attempt may be open (see takeover.py).
    tried_before: bool = False


@dataclass(slots=True, eq=False)
class Due:
    """A reminder of the chunk (read under its lock) and what becomes of it."""

    id: int
    procedure_id: int
    step: str
    due_at: datetime
    useful_until: datetime
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    message_id: int | None
    status: str = ReminderStatus.pending
    status_reason: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> "Due":
        return cls(**row._mapping)

    def finish(self, status: str, reason: str | None) -> None:
        self.status = status
        self.status_reason = reason
        self.next_attempt_at = None

    def release(self, next_attempt_at: datetime) -> None:
        self.next_attempt_at = next_attempt_at

    def row(self, now: datetime) -> dict[str, Any]:
        # Every outcome also ends this worker's claim.
        return {
            "id": self.id,
            "status": self.status,
            "status_reason": self.status_reason,
            "attempts": self.attempts,
            "message_id": self.message_id,
            "next_attempt_at": self.next_attempt_at,
            "claimed_by": None,
            "claimed_until": None,
            "updated_at": now,
        }


@dataclass(slots=True, eq=False)
class Text:
    """One outgoing text: its attempt (the message row written before the provider is
    called), the reminders it carries, and the round it counts towards."""

    message_id: int
    procedure_id: int | None  # None for a one-off text (one_off.py)
    phone: str
    body: str
    steps: str
    reminders: list[Due]
    prepared_at: datetime
    report: RoundReport
