"""Each worker's heartbeat row: what `/readyz` and `reminders worker --check` read."""

from datetime import datetime, timedelta

from sqlalchemy import Column, Engine, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from service.config import Settings
from service.db import UTCDateTime

RUNNING = "running"
STOPPED = "stopped"
# However short the poll interval, a worker is not declared dead within this.
MIN_FRESHNESS = timedelta(seconds=30)


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=100)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    state: str = Field(default="running", max_length=16)  # running | stopped


def freshness_limit(settings: Settings) -> timedelta:
    """How old a running worker's heartbeat may be before it counts as dead."""
    return max(timedelta(seconds=3 * settings.dispatch_interval_seconds), MIN_FRESHNESS)


def beat(engine: Engine, worker_id: str, started_at: datetime, now: datetime, state: str) -> None:
    """Upsert this worker's row: one statement, one round trip."""
    values = {
        "worker_id": worker_id,
        "started_at": started_at,
        "last_seen_at": now,
        "state": state,
    }
    table = WorkerHeartbeat.__table__  # type: ignore[attr-defined]
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.worker_id],
        set_={
            "started_at": statement.excluded.started_at,
            "last_seen_at": statement.excluded.last_seen_at,
            "state": statement.excluded.state,
        },
    )
    with Session(engine) as session:
        session.execute(statement)
        session.commit()


def alive_workers(engine: Engine, now: datetime, limit: timedelta) -> int:
    with Session(engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(WorkerHeartbeat)
            .where(
                WorkerHeartbeat.state == RUNNING,
                col(WorkerHeartbeat.last_seen_at) >= now - limit,
            )
        ).one()
    return int(count)


def check_workers(engine: Engine, settings: Settings, now: datetime) -> tuple[bool, str]:
    """(True, summary) if some worker beat recently enough; otherwise (False, why)."""
    limit = freshness_limit(settings)
    alive = alive_workers(engine, now, limit)
    if alive:
        return True, f"{alive} worker(s) alive (heartbeat within {limit.total_seconds():.0f} s)"
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(WorkerHeartbeat).order_by(col(WorkerHeartbeat.last_seen_at).desc()).limit(5)
            )
        )
    if not rows:
        return False, "no worker has ever sent a heartbeat: is `reminders worker` running?"
    latest = rows[0]
    age = (now - latest.last_seen_at).total_seconds()
    return False, (
        f"no worker alive: the latest heartbeat ({latest.worker_id}, {latest.state}) is "
        f"{age:.0f} s old, the limit is {limit.total_seconds():.0f} s"
    )
