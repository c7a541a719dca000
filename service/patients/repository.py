"""The patient record's queries: its search columns, its lock, what was changed since a
version, and the patients the adapters need by id."""

import json
from collections.abc import Collection, Sequence

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.errors import NotFound
from service.patients.folding import TOKEN_MAX, fold, name_tokens, reversed_digits
from service.patients.models import Patient, PatientNameToken


def fold_search_columns(patient: Patient) -> None:
    """Set the folded copies search and the duplicate check read (no I/O)."""
    patient.given_name_folded = fold(patient.given_name)[:TOKEN_MAX]
    patient.family_name_folded = fold(patient.family_name)[:TOKEN_MAX]
    patient.phone_reversed = reversed_digits(patient.phone)


def write_search_columns(session: Session, patient: Patient, *, new: bool = False) -> None:
    """The folded copies search and the duplicate check read, from the record as it is.

    `new`: the record was just inserted with `fold_search_columns` already applied, so
    its columns are right and it has no tokens to delete: only its tokens are inserted
    (an enrollment then costs one INSERT of the patient, not an INSERT, an UPDATE and a
    DELETE)."""
    if not new:
        fold_search_columns(patient)
        session.add(patient)
        session.flush()
        session.execute(
            delete(PatientNameToken).where(col(PatientNameToken.patient_id) == patient.id)
        )
    tokens = name_token_rows(patient)
    if tokens:
        # The Core table, not the ORM entity: the ORM's bulk insert cost more than the rows.
        session.connection().execute(_INSERT_TOKENS, tokens)


_INSERT_TOKENS = insert(PatientNameToken.__table__)  # type: ignore[attr-defined]


def name_token_rows(patient: Patient) -> list[dict[str, object]]:
    """The record's rows in the name index (none for a merged record: never found)."""
    if patient.merged_into_id is not None:
        return []
    return [
        {
            "patient_id": patient.id,
            "token": token,
            "family_name_folded": patient.family_name_folded,
            "given_name_folded": patient.given_name_folded,
        }
        for token in sorted(name_tokens(patient.given_name, patient.family_name))
    ]


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
