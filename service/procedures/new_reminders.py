"""A procedure's new reminders as rows: one planned reminder's row (`new_reminder`), a
new procedure's whole timeline in one statement (`insert_new`), and many procedures'
timelines streamed at once (`insert_new_many`, a spreadsheet's bookings)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.timeline.planner import PlannedReminder
from service.writes import insert_rows


def new_reminder(procedure: Procedure, item: PlannedReminder, now: datetime) -> Reminder:
    return Reminder(**_new_row(procedure, item, now))


@dataclass(frozen=True, slots=True)
class InsertedReminder:
    """A reminder as just inserted: the columns a booking's answer words and shows. A
    plain record, not an ORM object (building 21 of those cost more than the insert)."""

    id: int
    step: str
    occurrence: int
    due_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    message_id: int | None


# PostgreSQL: one statement whose text never changes, the rows passed as arrays. A
# multi-VALUES INSERT differs with every row count, so psycopg re-parses its long text
# for each booking (it caches only short statements) and the server plans it afresh;
# this one is parsed once, then prepared on each connection after a few uses. The
# columns every row shares are single values. RETURNING names each row's step and
# occurrence (unique within a procedure's live reminders), so the ids are matched to
# rows without relying on the order rows come back in.
_INSERT_FROM_ARRAYS = text(
    "INSERT INTO reminder (procedure_id, patient_id, step, occurrence, due_at, useful_until,"
    " status, status_reason, attempts, next_attempt_at, created_at, updated_at)"
    " SELECT :procedure_id, :patient_id, r.step, r.occurrence, r.due_at, r.useful_until,"
    " r.status, r.status_reason, 0, r.next_attempt_at, :now, :now"
    " FROM unnest(CAST(:steps AS VARCHAR[]), CAST(:occurrences AS INTEGER[]),"
    " CAST(:due AS TIMESTAMPTZ[]), CAST(:useful AS TIMESTAMPTZ[]),"
    " CAST(:statuses AS VARCHAR[]), CAST(:reasons AS VARCHAR[]),"
    " CAST(:next_attempts AS TIMESTAMPTZ[]))"
    " AS r(step, occurrence, due_at, useful_until, status, status_reason, next_attempt_at)"
    " RETURNING id, step, occurrence"
)


def insert_new(
    session: Session, procedure: Procedure, planned: Sequence[PlannedReminder], now: datetime
) -> list[InsertedReminder]:
    """Insert reminders for a procedure that has none, in one statement: the same rows
    `new_reminder` makes. Returns them with their ids, detached (not in the session), so a
    caller can word them without reading them back."""
    if not planned:
        return []
    rows = [_new_row(procedure, item, now) for item in planned]
    returned: Sequence[tuple[int, str, int]]
    if session.get_bind().dialect.name == "postgresql":
        returned = _insert_from_arrays(session, procedure, rows, now)
    else:
        table = Reminder.__table__  # type: ignore[attr-defined]
        # The Core table, not the ORM entity: SQLAlchemy sends the rows as multi-VALUES
        # INSERTs ("insertmanyvalues": one for a procedure's few dozen rows). Not asking
        # for the ids in the rows' order: on SQLite that falls back to one INSERT a row.
        returned = [
            (row[0], row[1], row[2])
            for row in session.execute(
                insert(table).returning(table.c.id, table.c.step, table.c.occurrence), rows
            )
        ]
    by_key = {(step, occurrence): id_ for id_, step, occurrence in returned}
    ids = [by_key[(r["step"], r["occurrence"])] for r in rows]
    return [
        InsertedReminder(
            id_,
            row["step"],
            row["occurrence"],
            row["due_at"],
            row["status"],
            row["status_reason"],
            0,
            row["next_attempt_at"],
            None,
        )
        for id_, row in zip(ids, rows, strict=True)
    ]


def insert_new_many(
    session: Session,
    plans: Sequence[tuple[Procedure, Sequence[PlannedReminder]]],
    now: datetime,
) -> None:
    """`insert_new` for many new procedures at once (a spreadsheet's bookings): the same
    rows, streamed (COPY on PostgreSQL), their ids not kept."""
    rows = [_new_row(procedure, item, now) for procedure, planned in plans for item in planned]
    insert_rows(session, Reminder.__table__, rows)  # type: ignore[attr-defined]


def _insert_from_arrays(
    session: Session, procedure: Procedure, rows: list[dict[str, Any]], now: datetime
) -> list[tuple[int, str, int]]:
    # Instants go in as aware UTC datetimes, as UTCDateTime would store them.
    def utc(value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    result = session.execute(
        _INSERT_FROM_ARRAYS,
        {
            "procedure_id": procedure.id,
            "patient_id": procedure.patient_id,
            "now": utc(now),
            "steps": [r["step"] for r in rows],
            "occurrences": [r["occurrence"] for r in rows],
            "due": [utc(r["due_at"]) for r in rows],
            "useful": [utc(r["useful_until"]) for r in rows],
            "statuses": [str(r["status"]) for r in rows],
            "reasons": [r["status_reason"] for r in rows],
            "next_attempts": [utc(r["next_attempt_at"]) for r in rows],
        },
    )
    return [(row[0], row[1], row[2]) for row in result]


def _new_row(procedure: Procedure, item: PlannedReminder, now: datetime) -> dict[str, Any]:
    """Every column of a new reminder (an executemany needs the same keys in each row)."""
    assert procedure.id is not None
    return {
        "procedure_id": procedure.id,
        "patient_id": procedure.patient_id,
        "step": item.step,
        "occurrence": item.occurrence,
        "due_at": item.due_at,
        "useful_until": item.useful_until,
        "status": item.status,
        "status_reason": item.status_reason,
        "attempts": 0,
        "next_attempt_at": item.due_at if item.status == ReminderStatus.pending else None,
        "claimed_by": None,
        "claimed_until": None,
        "message_id": None,
        "created_at": now,
        "updated_at": now,
    }
