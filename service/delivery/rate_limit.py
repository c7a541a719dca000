"""Pacing and Retry-After for the provider's API."""

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime


class RateLimiter:
    """At most `max_per_second` starts, shared by every thread using this instance.

    Each caller books the next free slot under the lock, then sleeps outside it, so
    concurrent callers queue up one interval apart instead of all waking at once.
    """

    def __init__(
        self,
        max_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_per_second <= 0:
            raise ValueError("max_per_second must be positive")
        self._interval = 1.0 / max_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_allowed: float | None = None

    def wait_for_slot(self) -> None:
        with self._lock:
            now = self._clock()
            slot = now if self._next_allowed is None else max(now, self._next_allowed)
            self._next_allowed = slot + self._interval
        if slot > now:
            self._sleep(slot - now)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)
