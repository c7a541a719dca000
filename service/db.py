"""Engine, sessions and the column type that keeps every instant in UTC."""

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite has no time zone type, so the value is stored naive there; refusing
    naive input keeps a local wall time from ever being mistaken for UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(
    url: str,
    *,
    busy_timeout_seconds: float = 30.0,
    planned_each_time: bool = False,
    ping_after_idle_seconds: float = 10.0,
    **kwargs: Any,
) -> Engine:
    """An engine for SQLite (the embedded default) or PostgreSQL.

    `busy_timeout_seconds`: how long SQLite waits for the write lock before it raises
    "database is locked" (which the API answers with 503).
    `planned_each_time`: PostgreSQL plans every statement with its own values instead of
    keeping a prepared plan per connection. The worker runs a few statements per few
    hundred texts, so planning costs it nothing, while a plan kept from the first minutes
    (when `message` was nearly empty: a sequential scan) would slow it as the table grows.
    `ping_after_idle_seconds`: PostgreSQL's pooled connections are checked before use only
    after sitting idle this long (see `_ping_after_idle`).
    """
    # A database error's message would otherwise quote the statement's parameters:
    # phone numbers and message bodies in an error log.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout_seconds * 1000)))
        _WriterQueue(busy_timeout_seconds).attach(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    if planned_each_time:
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": None}
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine, ping_after_idle_seconds)
    return engine


# A pooled connection that sat unused `ping_after_idle_seconds` is checked (SELECT 1)
# before it is handed out, and replaced if the server closed it (a restart, a proxy's
# idle timeout). One in steady use is not: a ping on every checkout was a round trip on
# every request and every feed message. A connection that breaks mid-use still fails
# that one request (503) and invalidates the pool, so the next request connects afresh.
def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (a new one).
            raise DisconnectionError("a pooled connection no longer answers") from exc

    event.listen(engine.pool, "checkin", checkin)
    event.listen(engine.pool, "checkout", checkout)


_IDLE_SINCE = "mild_reminders_idle_since"


class _WriterQueue:
    """One SQLite write transaction at a time per process, waiting in a queue.

    pysqlite opens transactions lazily and lets a reader upgrade later, which deadlocks
    two writers; BEGIN IMMEDIATE takes the write lock up front. Threads that find the
    lock taken would each poll SQLite's busy handler with growing sleeps (unfair: at 32
    clients the unlucky waited 30 s); queueing on a process lock first wakes the next
    writer as soon as the last one commits. Other processes still meet busy_timeout.
    """

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        self.lock = threading.Lock()

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._release)
        event.listen(engine, "rollback", self._release)
        # A connection closed or invalidated mid-transaction must not keep the lock.
        event.listen(engine.pool, "checkin", self._checkin)

    def _begin(self, conn: Connection) -> None:
        if not conn.info.get(_HOLDS_WRITE_LOCK):
            if not self.lock.acquire(timeout=self.timeout):
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                )
            conn.info[_HOLDS_WRITE_LOCK] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self._release(conn)
            raise

    def _release(self, conn: Connection) -> None:
        if conn.info.pop(_HOLDS_WRITE_LOCK, False):
            self.lock.release()

    def _checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS_WRITE_LOCK, False):
            self.lock.release()


_HOLDS_WRITE_LOCK = "mild_reminders_holds_write_lock"


def prepare_sqlite_file(url: str) -> None:
    """Create the embedded database's folder (0700) and file (0600) before SQLite does.

    SQLite gives its -wal and -shm files the database file's mode, so patient data on
    disk is readable by the service's own user only, whatever the umask.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return
    path = Path(url[len(prefix) :].split("?", 1)[0])
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is subject to the umask
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    return on_connect


def end_transaction(session: Session) -> None:
    """Commit what `session` holds before slow work that needs no database (rendering a
    template): on SQLite every transaction holds the write lock, so an open one would
    keep inbound texts, logins and the worker waiting until it ends."""
    if session.in_transaction():
        session.commit()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed if the block succeeds, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
