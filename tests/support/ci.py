"""One answer to "are we in CI?", read the same way by every part of the suite."""

import os

_TRUE = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    """True when the environment says CI (`CI=true`, `CI=1`, `CI=True`...): the PostgreSQL,
    Prism and browser tests then fail instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in _TRUE
