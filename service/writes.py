"""One new row, written at once with a Core INSERT instead of the ORM's unit of work.

Enrolling a patient and booking a procedure are what every way in does most (the API,
the console, each feed message, each spreadsheet row). Through `session.add` and a
flush, each new row cost SQLAlchemy's unit of work (change tracking, dependency sort,
per-object bookkeeping) about twice the statement itself; a prepared Core INSERT does
the same write in the same transaction. The rules stay in the domain functions that
call these: only how the row reaches the database changes.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel


@cache
def _inserting(table: Table, returning_id: bool) -> Insert:
    # One statement per table, built once: building it (and its cache key) on every call
    # cost about as much as running it.
    statement = insert(table)
    return statement.returning(table.c.id) if returning_id else statement


def add_now(session: Session, instance: SQLModel) -> None:
    """Insert a new record now and keep it in `session` as if flushed: it gets its id,
    later changes to it are tracked, and reading it back costs no query.

    Raises the database's IntegrityError at once (a unique MRN taken), like a flush."""
    table: Table = instance.__table__  # type: ignore[attr-defined]
    row = {
        column.key: getattr(instance, column.key) for column in table.columns if column.key != "id"
    }
    new_id = session.connection().execute(_inserting(table, True), row).scalar_one()
    instance.id = new_id
    # Persistent from here on, with what was inserted as its loaded state: the session
    # tracks later changes (an UPDATE), never inserts it again.
    make_transient_to_detached(instance)
    session.add(instance)


def insert_row(session: Session, model: type[SQLModel], row: Mapping[str, Any]) -> None:
    """A row of `model`'s table that nobody reads back in this transaction (an audit
    entry, a feed's log line, a link to the sender's appointment id)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    session.connection().execute(_inserting(table, False), dict(row))
