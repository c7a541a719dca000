"""How long a text waits before its next try."""

import random
from collections.abc import Callable
from datetime import timedelta

from service.config import Settings

MAX_BACKOFF = timedelta(hours=1)


def retry_delay(
    settings: Settings,
    attempts: int,
    *,
    retry_after_seconds: float | None = None,
    jitter: Callable[[float, float], float] = random.uniform,
) -> timedelta:
    """How long a text waits after its `attempts`-th failed try: exponential, jittered
    so a burst of failures does not retry as a burst, never beyond MAX_BACKOFF."""
    seconds = settings.send_retry_base_seconds * 2 ** (attempts - 1) * jitter(0.5, 1.5)
    if retry_after_seconds:
        seconds = max(seconds, retry_after_seconds)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)
