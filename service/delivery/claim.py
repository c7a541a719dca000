"""Claim: lease due reminders to one worker; give leases back; forget dead workers' leases.

A lease is a time, not a lock: no row lock outlives the statement that takes it. A text
in flight keeps its reminders' lease (renewed when its attempt is written), so nobody
else takes them over while the provider is answering.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    Engine,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    false,
    or_,
)
from sqlalchemy import update as update_rows
from sqlalchemy.engine import Result
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, col, select

from service.messaging.models import Message, MessageStatus
from service.procedures.models import Reminder, ReminderStatus

from .chunk import Slot


def claim(
    engine: Engine, worker_id: str, now: datetime, *, lease_seconds: int, batch: int
) -> tuple[list[Slot], int]:
    """Lease a batch of due reminders to `worker_id` in one statement; its procedures."""
    due = (
        select(Reminder.id)
        .where(
            Reminder.status == ReminderStatus.pending,
            col(Reminder.next_attempt_at) <= now,
            or_(col(Reminder.claimed_until).is_(None), col(Reminder.claimed_until) < now),
        )
        .order_by(col(Reminder.next_attempt_at))
        .limit(batch)
        # SKIP LOCKED: two workers claiming at once take different rows, neither waits.
        .with_for_update(skip_locked=True)
    )
    statement = (
        update_rows(Reminder)
        .where(col(Reminder.id).in_(due.scalar_subquery()))
        .values(claimed_by=worker_id, claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(col(Reminder.procedure_id), col(Reminder.message_id))
    )
    with Session(engine) as session:
        rows = session.execute(statement).all()
        session.commit()
    # A reminder that was tried before may have an attempt still open (take-over).
    tried = {p for p, message_id in rows if message_id is not None}
    return [Slot(p, p in tried) for p in sorted({p for p, _ in rows})], len(rows)


def _not_in_flight() -> Any:
    # A reminder whose attempt is still open keeps its lease: handing it back early would
    # let another worker take it over while the provider may be taking the text.
    return ~exists().where(
        col(Message.id) == col(Reminder.message_id), col(Message.status) == MessageStatus.sending
    )


def release_claims(engine: Engine, worker_id: str, procedure_ids: list[int] | None = None) -> int:
    """Give back the pending reminders `worker_id` claimed but did not start sending."""
    statement = (
        update_rows(Reminder)
        .where(
            col(Reminder.claimed_by) == worker_id,
            col(Reminder.status) == ReminderStatus.pending,
            _not_in_flight(),
        )
        .values(claimed_by=None, claimed_until=None)
    )
    if procedure_ids is not None:
        statement = statement.where(col(Reminder.procedure_id).in_(procedure_ids))
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def sweep_expired_claims(engine: Engine, now: datetime) -> int:
    """Housekeeping: forget leases of crashed workers so their rows look unclaimed."""
    statement = (
        update_rows(Reminder)
        .where(and_(col(Reminder.claimed_until).is_not(None), col(Reminder.claimed_until) < now))
        .values(claimed_by=None, claimed_until=None)
    )
    with Session(engine) as session:
        result = session.execute(statement)
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def among(session: Session, column: Any, values: list[int]) -> Any:
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one statement whatever the count,
    which the driver prepares once instead of parsing a new IN list for every chunk."""
    if not values:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(integer_array(bindparam(None, id_array(values), type_=String())))
    return column.in_(values)


def integer_array(text_param: Any) -> Any:
    """A text parameter read as `integer[]` (see `id_array`)."""
    return cast(text_param, ARRAY(Integer()))


def id_array(ids: Iterable[int]) -> str:
    """Ids in PostgreSQL's text form of an array, `{1,2,3}`: the driver sends one string,
    where a list would be dumped element by element in Python (at thousands of texts a
    second, a fifth of the worker's time)."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def core(session: Session, statement: Executable, params: Any = None) -> Result[Any]:
    """Run a Core statement on the session's connection (its transaction), skipping the
    ORM's per-statement bookkeeping: the hot path reads plain rows."""
    return session.connection().execute(statement, params)
