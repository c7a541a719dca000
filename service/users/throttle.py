"""Slows down password guessing: too many failed logins for one account or from one
address within a window answers 429 until the window has passed.

The counters live in the database (one upsert per failure), so every API process
sees the same count. Keys never hold an email in clear.
"""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, delete, select

from service.config import Settings
from service.db import UTCDateTime
from service.users.models import LoginThrottle


def account_key(email: str) -> str:
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:64]


def address_key(address: str) -> str:
    return "address:" + address[:80]


def _limits(settings: Settings) -> tuple[timedelta, dict[str, int]]:
    window = timedelta(minutes=settings.login_throttle_minutes)
    return window, {
        "account": settings.login_max_failures_per_account,
        "address": settings.login_max_failures_per_address,
    }


def is_throttled(session: Session, keys: list[str], now: datetime, settings: Settings) -> bool:
    """True when any key has used up its failures in the current window."""
    window, limits = _limits(settings)
    rows = session.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_(keys)))
    for row in rows:
        kind = row.key.split(":", 1)[0]
        if now - row.window_started_at < window and row.failures >= limits[kind]:
            return True
    return False


def record_failure(session: Session, keys: list[str], now: datetime, settings: Settings) -> None:
    """Count one failure against each key; a window that has passed starts again at 1."""
    window, _ = _limits(settings)
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for key in keys:
        statement = insert(table).values(key=key, failures=1, window_started_at=now)
        expired = table.c.window_started_at <= now - window
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_started_at": case(
                    (expired, literal(now, UTCDateTime())), else_=table.c.window_started_at
                ),
            },
        )
        session.execute(statement)


def clear(session: Session, key: str) -> None:
    """A successful login forgives the account's earlier failures (not the address's)."""
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == key))
