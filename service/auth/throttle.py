"""Failed authentications per client address: past a limit, the address waits (429).

In memory, per API process: a guesser is slowed to `limit` tries a minute per process,
which with 256-bit keys is plenty. Only presented-but-wrong keys count; a request
without a key is a mistake, not a guess.
"""

import math
from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=1)
# Bounds the memory a flood of spoofed addresses can take.
MAX_ADDRESSES = 10_000


class FailedAuthThrottle:
    def __init__(self, limit_per_minute: int) -> None:
        self.limit = limit_per_minute
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Seconds `address` must wait before trying again, or None if it may try now."""
        failures = self._recent(address, now)
        if failures is None or len(failures) < self.limit:
            return None
        return max(1, math.ceil((failures[0] + WINDOW - now).total_seconds()))

    def record_failure(self, address: str, now: datetime) -> None:
        failures = self._recent(address, now)
        if failures is None:
            failures = self._failures[address] = deque()
            if len(self._failures) > MAX_ADDRESSES:
                self._failures.popitem(last=False)
        failures.append(now)
        self._failures.move_to_end(address)

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        while failures and failures[0] <= now - WINDOW:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures
