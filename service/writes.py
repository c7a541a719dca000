"""New rows written without the ORM's unit of work: one at once with a prepared Core
INSERT (`add_now`, `insert_row`), or many streamed (`insert_rows`: COPY on PostgreSQL).

Enrolling a patient and booking a procedure are what every way in does most (the API,
the console, each feed message, each spreadsheet row). Through `session.add` and a
flush, each new row cost SQLAlchemy's unit of work (change tracking, dependency sort,
per-object bookkeeping) about twice the statement itself; a prepared Core INSERT does
the same write in the same transaction. The rules stay in the domain functions that
call these: only how the row reaches the database changes.
"""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Insert,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.types import TypeDecorator
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


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many new rows whose ids nobody reads (a spreadsheet's reminders, name index, audit
    entries), in the session's transaction: COPY on PostgreSQL, an executemany elsewhere.

    An INSERT of many rows costs psycopg a parse of the whole statement (its cache keeps
    only short ones) and PostgreSQL a plan per statement; COPY streams the rows instead.
    Every row must have the same keys; values go through the columns' bind processing
    (UTCDateTime's refusal of naive times) exactly as an INSERT's would."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    _copy(connection, table, names, [[row[name] for name in names] for row in rows])


def insert_rows_with_ids(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """`insert_rows` for rows whose ids the caller needs (new patients, new procedures),
    in the order of `rows`. On PostgreSQL the ids are taken from the table's sequence in
    one query, then the rows are copied with them (a gap is left if the transaction rolls
    back, as with any insert). SQLite lets one writer in at a time and gives a new row
    the highest id plus one: the rows get the ids it would give them one by one (its
    multi-row RETURNING does not promise the rows' order)."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        highest = select(func.coalesce(func.max(table.c.id), 0))
        first = int(connection.execute(highest).scalar_one()) + 1
        ids = list(range(first, first + len(rows)))
        numbered = [{"id": id_, **row} for id_, row in zip(ids, rows, strict=True)]
        connection.execute(insert(table), numbered)
        return ids
    taken = "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
    ids = list(connection.execute(text(taken), {"table": table.name, "n": len(rows)}).scalars())
    names = list(rows[0])
    values = [[id_, *(row[name] for name in names)] for id_, row in zip(ids, rows, strict=True)]
    _copy(connection, table, ["id", *names], values)
    return ids


def _copy(connection: Connection, table: Table, names: list[str], values: list[list[Any]]) -> None:
    dialect = connection.dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    types = [_binary_type(table.c[name].type) for name in names]
    binary = all(types)  # psycopg writes binary rows in C: a tenth of text's CPU
    quote = dialect.identifier_preparer
    statement = "COPY {} ({}) FROM STDIN{}".format(
        quote.format_table(table),
        ", ".join(quote.quote(name) for name in names),
        " (FORMAT BINARY)" if binary else "",
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            if binary:
                copy.set_types(types)
            for row in values:
                for i, process in converting:
                    row[i] = process(row[i])
                copy.write_row(row)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it (IntegrityError for an MRN taken meanwhile), so
        # callers catch one family of errors whichever way the rows went in.
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc


def _binary_type(column_type: Any) -> str:
    """The PostgreSQL type a column's values are sent as in a binary COPY ("" if none of
    these: the COPY is then text, which PostgreSQL parses per column)."""
    kind = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    for sql_type, name in _BINARY_TYPES:
        if type(kind) is sql_type or (
            sql_type is String and isinstance(kind, String) and not isinstance(kind, SqlEnum)
        ):
            return name
    return ""


_BINARY_TYPES = ((Integer, "int4"), (Boolean, "bool"), (Date, "date"), (String, "text"))
