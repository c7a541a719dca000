"""Who each row is: the enrolled patient with its MRN, else the one with its phone,
folded name and date of birth; else a new patient, unless the record domain's
duplicate rules would refuse one (the same phone and family name, or the same family
name and date of birth). Looked up for the whole file in a few queries, not per row."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from service.intake.people import IncomingPatient
from service.patients.folding import fold
from service.patients.models import Patient
from service.procedures.models import Procedure, ProcedureStatus

T = TypeVar("T")
_CHUNK = 500  # values per IN (...): well under every driver's parameter limit


class Enrolled:
    """The patients a file may name, indexed the ways rows are matched."""

    def __init__(self, session: Session, people: Sequence[IncomingPatient]) -> None:
        self.session = session
        mrns = {p.mrn for p in people if p.mrn}
        phones = {p.phone for p in people if p.phone}
        births = {p.birth_date for p in people if p.birth_date}
        found: dict[int, Patient] = {}
        for column, values in (
            (col(Patient.mrn), mrns),
            (col(Patient.phone), phones),
            (col(Patient.birth_date), births),
        ):
            for chunk in _chunks(values):
                for patient in session.exec(select(Patient).where(column.in_(chunk))):
                    found[patient.id or 0] = patient
        self.by_mrn = {p.mrn: p for p in found.values() if p.mrn}
        self.by_phone: dict[str, list[Patient]] = defaultdict(list)
        self.by_birth: dict[date, list[Patient]] = defaultdict(list)
        for patient in found.values():
            if patient.merged_into_id is not None:
                continue
            self.by_phone[patient.phone].append(patient)
            if patient.birth_date:
                self.by_birth[patient.birth_date].append(patient)

    def match(self, person: IncomingPatient) -> Patient | None:
        if person.mrn and person.mrn in self.by_mrn:
            patient = self.by_mrn[person.mrn]
            if patient.merged_into_id is not None:  # the MRN leads to the record it joined
                return self.session.get(Patient, patient.merged_into_id)
            return patient
        for patient in self.by_phone.get(person.phone or "", []):
            if same_person(patient, person):
                return patient
        return None

    def likely(self, person: IncomingPatient) -> tuple[Patient, str] | None:
        """An enrolled patient the domain would call a likely duplicate of a new one."""
        family = fold(person.family_name)
        for patient in self.by_phone.get(person.phone or "", []):
            if patient.family_name_folded == family:
                return patient, "phone and family name"
        if person.birth_date:
            for patient in self.by_birth.get(person.birth_date, []):
                if patient.family_name_folded == family:
                    return patient, "family name and date of birth"
        return None


def same_person(patient: Patient, person: IncomingPatient) -> bool:
    return (
        patient.given_name_folded == fold(person.given_name)
        and patient.family_name_folded == fold(person.family_name)
        and patient.birth_date == person.birth_date
    )


def scheduled_procedures(
    session: Session, patient_ids: Iterable[int]
) -> dict[int, list[Procedure]]:
    """Each patient's scheduled procedures, latest first."""
    found: dict[int, list[Procedure]] = defaultdict(list)
    for chunk in _chunks(set(patient_ids)):
        rows = session.exec(
            select(Procedure)
            .where(
                col(Procedure.patient_id).in_(chunk),
                Procedure.status == ProcedureStatus.scheduled,
            )
            .order_by(col(Procedure.scheduled_at).desc())
        )
        for procedure in rows:
            found[procedure.patient_id].append(procedure)
    return found


def upcoming(procedures: Sequence[Procedure], now: datetime) -> Procedure | None:
    """The procedure a new date for this patient moves: the latest one not yet past."""
    return next((p for p in procedures if p.scheduled_at > now), None)


def _chunks(values: Iterable[T]) -> Iterable[list[T]]:
    ordered = list(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]
