"""Opening a chunk's attempts (prepare.py): its message rows, written as `sending`, and
its reminders pointed at them with their lease renewed, in the chunk's transaction,
committed before any provider call."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import text as sql
from sqlmodel import Session, col

from service.db import UTCDateTime
from service.messaging.models import Direction, Message, MessageStatus

from .chunk import Due
from .claim import core, id_array
from .record import REMINDER

# The chunk's texts travel as one JSON document: the driver sends one string (dumped by
# the C encoder), where a list per column would be dumped element by element in Python.
OPEN_ATTEMPTS = sql(
    "WITH attempt AS ("
    " INSERT INTO message (patient_id, procedure_id, direction, phone, body, steps, language,"
    " template_versions, status, gateway, urgent, created_at, updated_at)"
    " SELECT t.patient_id, t.procedure_id, :outbound, t.phone, t.body, t.steps, t.language,"
    " t.versions, :sending, :gateway, false, :now, :now"
    " FROM json_to_recordset(CAST(:texts AS json)) AS t(patient_id integer,"
    " procedure_id integer, phone text, body text, steps text, language text, versions text)"
    " RETURNING id, procedure_id)"
    " UPDATE reminder SET message_id = attempt.id, claimed_by = :worker,"
    " claimed_until = :lease, updated_at = :now"
    " FROM attempt WHERE reminder.procedure_id = attempt.procedure_id"
    " AND reminder.id = ANY(CAST(:reminder_ids AS integer[]))"
    " RETURNING attempt.procedure_id, attempt.id"
).bindparams(
    bindparam("outbound", Direction.outbound.value),
    bindparam("sending", MessageStatus.sending.value),
    bindparam("lease", type_=UTCDateTime()),
    bindparam("now", type_=UTCDateTime()),
)
POINT_AT_ATTEMPT = (
    update(REMINDER)
    .where(REMINDER.c.id == bindparam("r_id"))
    .values(
        message_id=bindparam("r_message_id"),
        claimed_by=bindparam("r_worker"),
        claimed_until=bindparam("r_lease"),
        updated_at=bindparam("r_at"),
    )
)


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the chunk's messages (SQLite); their ids, in order."""
    return list(
        session.execute(
            insert(Message).returning(col(Message.id), sort_by_parameter_order=True), rows
        ).scalars()
    )


def open_attempts_at_once(
    session: Session,
    drafts: list[tuple[dict[str, Any], list[Due]]],
    worker_id: str,
    lease: datetime,
    now: datetime,
) -> list[int]:
    """Insert the chunk's messages and point their reminders at them (renewing the lease)
    in one statement on PostgreSQL; the message ids, in the drafts' order.

    One round trip with one JSON document, the same statement text for every chunk
    (the driver prepares it once), instead of a row-by-row insert and update."""
    messages = [m for m, _ in drafts]
    texts = [
        {
            "patient_id": m["patient_id"],
            "procedure_id": m["procedure_id"],
            "phone": m["phone"],
            "body": m["body"],
            "steps": m["steps"],
            "language": m["language"],
            "versions": m["template_versions"],
        }
        for m in messages
    ]
    rows = core(
        session,
        OPEN_ATTEMPTS,
        {
            "texts": json.dumps(texts, ensure_ascii=False),
            "gateway": messages[0]["gateway"],
            "reminder_ids": id_array(r.id for _, reminders in drafts for r in reminders),
            "worker": worker_id,
            "lease": lease,
            "now": now,
        },
    ).all()
    # Each text is one procedure's, and each carries at least one reminder.
    by_procedure = {row.procedure_id: row.id for row in rows}
    return [by_procedure[m["procedure_id"]] for m in messages]
