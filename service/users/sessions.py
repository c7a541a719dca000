"""Server-side console sessions: the cookie holds a random token, the table holds its hash.

A session ends when the person logs out, is disabled or changes password, after
`console_idle_minutes` without a request, and `console_session_hours` after login
whatever happens. Times come from the app's clock, never the wall clock.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from service.config import Settings
from service.users.models import ConsoleSession, User

# Writing last_seen_at on every page view would turn reads into writes; a minute of
# slack on a 30-minute idle limit is immaterial.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request and the session they arrived with."""

    user: User
    session: ConsoleSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, now: datetime) -> tuple[ConsoleSession, str]:
    """A new session for `user`; returns it with the cookie value (shown only here)."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=_hash(token),
        user_id=user.id or 0,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return row, token


def find_signed_in(
    session: Session, token: str, now: datetime, settings: Settings, *, touch: bool = True
) -> SignedIn | None:
    """The live session for a cookie value, touched (unless `touch` is False: a page
    refreshing itself); None if it ended or timed out."""
    row = session.exec(
        select(ConsoleSession).where(ConsoleSession.token_hash == _hash(token))
    ).first()
    if row is None or row.ended_at is not None:
        return None
    user = session.get(User, row.user_id)
    idle = timedelta(minutes=settings.console_idle_minutes)
    absolute = timedelta(hours=settings.console_session_hours)
    if (
        user is None
        or not user.active
        or now - row.last_seen_at >= idle
        or now - row.created_at >= absolute
    ):
        row.ended_at = now
        session.add(row)
        session.commit()
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    # End the transaction here: on SQLite every transaction holds the write lock, and a
    # page may open its own sessions (e.g. worker heartbeats) while it renders.
    session.commit()
    return SignedIn(user=user, session=row)


def end_session(session: Session, row: ConsoleSession, now: datetime) -> None:
    if row.ended_at is None:
        row.ended_at = now
        session.add(row)
