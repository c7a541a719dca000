"""API keys a process has just checked, trusted for API_KEY_CACHE_SECONDS.

Without it every request pays a query and a hop to a worker thread just to learn that
the key it checked a moment ago is still the same key. With it the check runs on the
event loop (a dict look-up) and only a key not seen in the last few seconds is read.

Why revocation still holds: a key is only ever cached after the database said it is
active, never a refusal (an unknown or revoked key is read, and throttled, every time).
Revoking a key through this process forgets every cached key at once (and again after
the revocation commits, so a request that read the key just before cannot keep it).
A key revoked through another process (API_WORKERS > 1, or the console in `reminders
serve`) is refused there at once and here within the TTL: 2 s by default, less than it
takes anyone to notice a leaked key, revoke it and reach for the next request. A clinic
that wants every request to read the key sets API_KEY_CACHE_SECONDS=0.
"""

import threading
import time

from service.auth.keys import hash_key
from service.auth.models import ApiKey

_MAX_KEYS = 1024

_lock = threading.Lock()
# (database, key hash) -> (a detached copy of the key, when it was read: monotonic s)
_checked: dict[tuple[str, str], tuple[ApiKey, float]] = {}


def cached_key(database: str, secret: str, ttl: float) -> ApiKey | None:
    """The key behind `secret` if this process read it as active in the last `ttl` s."""
    if ttl <= 0:
        return None
    found = _checked.get((database, hash_key(secret)))
    if found is None or time.monotonic() - found[1] >= ttl:
        return None
    return found[0]


def remember_key(database: str, key: ApiKey, ttl: float) -> None:
    """Trust `key` (just read, active) for `ttl` seconds; a copy, in no session."""
    if ttl <= 0 or key.revoked_at is not None:
        return
    copy = ApiKey(
        id=key.id,
        name=key.name,
        role=key.role,
        prefix=key.prefix,
        key_hash=key.key_hash,
        created_at=key.created_at,
        revoked_at=None,
    )
    with _lock:
        if len(_checked) >= _MAX_KEYS:
            _checked.clear()
        _checked[(database, key.key_hash)] = (copy, time.monotonic())


def forget_keys() -> None:
    """A key was revoked: every key is read again on its next request."""
    with _lock:
        _checked.clear()
