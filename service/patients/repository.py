"""The patient record's queries: its search columns, its lock, the rows that belong to
it, and what was changed since a version."""

import json
from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Table, delete, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from service.audit.models import AuditEntry
from service.errors import NotFound
from service.messaging.models import Message
from service.patients.folding import TOKEN_MAX, fold, name_tokens, reversed_digits
from service.patients.models import Patient, PatientNameToken
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus

# Every table whose rows belong to a patient by `patient_id`: a merge moves them all to
# the kept record (procedures and their texts, the conversation and with it the inbox
# items, which are the unhandled replies; visits belong to a procedure and follow it).
# A new table that belongs to a patient (the recovery check-ins) is added here, and
# merges move it too.
RECORDS_OF_A_PATIENT: tuple[type[SQLModel], ...] = (Procedure, Reminder, Message)


def write_search_columns(session: Session, patient: Patient) -> None:
    """The folded copies search and the duplicate check read, from the record as it is."""
    patient.given_name_folded = fold(patient.given_name)[:TOKEN_MAX]
    patient.family_name_folded = fold(patient.family_name)[:TOKEN_MAX]
    patient.phone_reversed = reversed_digits(patient.phone)
    session.add(patient)
    session.flush()
    session.execute(delete(PatientNameToken).where(col(PatientNameToken.patient_id) == patient.id))
    tokens = sorted(name_tokens(patient.given_name, patient.family_name))
    if tokens and patient.merged_into_id is None:
        session.execute(
            insert(PatientNameToken), [{"patient_id": patient.id, "token": t} for t in tokens]
        )


def lock_patient(session: Session, patient_id: int) -> Patient:
    """The record under its row lock, re-read: two changes to one patient take turns,
    and the second sees (and checks its version against) what the first committed."""
    query = (
        select(Patient)
        .where(Patient.id == patient_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    patient = session.exec(query).first()
    if patient is None:
        raise NotFound(f"no patient with id {patient_id}", field="patient_id")
    return patient


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


def changed_since(session: Session, patient_id: int, version: int) -> list[str]:
    """The fields changed after `version` (from the audit, which names fields only)."""
    entries: Sequence[AuditEntry] = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity == "patient",
            AuditEntry.entity_id == str(patient_id),
            col(AuditEntry.action).in_(("update", "merge")),
        )
        .order_by(col(AuditEntry.id))
    ).all()
    fields: set[str] = set()
    for entry in entries:
        changes = json.loads(entry.changes)
        if int(changes.get("after", {}).get("version", 0)) > version:
            fields.update(f for f in changes.get("fields", []) if f != "version")
    return sorted(fields)


def patients_by_id(session: Session, ids: Collection[int]) -> dict[int, Patient]:
    """The patients with these ids, by id (one query; none asked, none read)."""
    if not ids:
        return {}
    query = select(Patient).where(col(Patient.id).in_(sorted(ids)))
    return {p.id or 0: p for p in session.exec(query)}
