"""The queries over patients that the adapters need."""

from collections.abc import Collection

from sqlmodel import Session, col, select

from service.patients.models import Patient


def patients_by_id(session: Session, ids: Collection[int]) -> dict[int, Patient]:
    """The patients with these ids, by id (one query; none asked, none read)."""
    if not ids:
        return {}
    query = select(Patient).where(col(Patient.id).in_(sorted(ids)))
    return {p.id or 0: p for p in session.exec(query)}
