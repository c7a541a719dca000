"""The rows that belong to a patient across the domains: what a correction re-plans and
what a merge moves."""

from typing import cast

from sqlalchemy import Table, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from service.messaging.models import Message
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus

# Every table whose rows belong to a patient by `patient_id`: a merge moves them all to
# the kept record (procedures and their texts, the conversation and with it the inbox
# items, which are the unhandled replies; visits belong to a procedure and follow it).
# A new table that belongs to a patient (the recovery check-ins) is added here, and
# merges move it too.
RECORDS_OF_A_PATIENT: tuple[type[SQLModel], ...] = (Procedure, Reminder, Message)


def procedures_with_texts_to_come(session: Session, patient_id: int) -> list[Procedure]:
    """Scheduled procedures that still have a text pending: what a new zone, language or
    phone changes."""
    pending = select(Reminder.procedure_id).where(
        Reminder.patient_id == patient_id, Reminder.status == ReminderStatus.pending
    )
    query = (
        select(Procedure)
        .where(
            Procedure.patient_id == patient_id,
            Procedure.status == ProcedureStatus.scheduled,
            col(Procedure.id).in_(pending),
        )
        .order_by(col(Procedure.scheduled_at), col(Procedure.id))
    )
    return list(session.exec(query))


def _table(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def count_records(session: Session, patient_id: int) -> dict[str, int]:
    """How many rows of each kind belong to the patient (what a merge would move)."""
    counts = {}
    for model in RECORDS_OF_A_PATIENT:
        table = _table(model)
        query = sa_select(func.count()).select_from(table).where(table.c.patient_id == patient_id)
        counts[table.name] = int(session.execute(query).scalar_one())
    visits = (
        sa_select(func.count())
        .select_from(_table(Appointment))
        .join(_table(Procedure), col(Procedure.id) == col(Appointment.procedure_id))
        .where(col(Procedure.patient_id) == patient_id)
    )
    counts[Appointment.__tablename__] = int(session.execute(visits).scalar_one())
    return counts


def move_records(session: Session, from_id: int, to_id: int) -> None:
    """Every row of the duplicate becomes the kept record's."""
    for model in RECORDS_OF_A_PATIENT:  # visits follow their procedure
        table = _table(model)
        session.execute(update(table).where(table.c.patient_id == from_id).values(patient_id=to_id))


def unhandled_replies(session: Session, patient_id: int) -> int:
    """Inbox items: replies from the patient nobody has marked handled."""
    return len(
        session.exec(
            select(Message.id).where(
                Message.patient_id == patient_id,
                Message.direction == "inbound",
                col(Message.handled_at).is_(None),
            )
        ).all()
    )
