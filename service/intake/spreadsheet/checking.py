"""The preview: for every row, what importing it would do to the patient (create,
update, unchanged) and to the procedure (create, move, unchanged), or its problems with
the row number and column. Reads only; the import runs the same check again and then
applies it, so what was previewed is what happens unless the records changed meanwhile."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.config import Settings
from service.errors import InvalidInput
from service.intake.people import IncomingPatient
from service.intake.service import feed_instant
from service.intake.spreadsheet.columns import Mapping_
from service.intake.spreadsheet.matching import (
    Enrolled,
    same_person,
    scheduled_procedures,
    upcoming,
)
from service.intake.spreadsheet.reading import Sheet
from service.intake.spreadsheet.values import read_row
from service.patients.folding import fold
from service.patients.models import Patient
from service.patients.phone import patients_phone
from service.patients.service import check_birth_date
from service.procedures.models import Procedure
from service.procedures.service import resolve_scheduled_at

CREATE, UPDATE, MOVE, UNCHANGED = "create", "update", "move", "unchanged"


@dataclass
class RowResult:
    number: int  # the spreadsheet's row number: the header is row 1
    cells: list[str]
    patient: str = ""
    procedure: str = ""
    changes: list[str] = field(default_factory=list)  # the patient's fields that change
    errors: list[str] = field(default_factory=list)
    patient_id: int | None = None
    procedure_id: int | None = None
    person: IncomingPatient | None = None
    starts_at: datetime | None = None  # the instant, in UTC
    moves: Procedure | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_rows(
    session: Session, sheet: Sheet, mapping: Mapping_, settings: Settings, now: datetime
) -> list[RowResult]:
    read = [read_row(i + 2, cells, mapping, settings) for i, cells in enumerate(sheet.rows)]
    results = [RowResult(r.number, r.cells, errors=list(r.errors)) for r in read]
    for index in sheet.too_wide:
        results[index].errors = [
            f"more cells than the header has columns ({len(sheet.headers)}): a comma inside "
            "an unquoted cell? Put that cell in double quotes"
        ]
        read[index].person = None
    for row, result in zip(read, results, strict=True):
        result.person = row.person
        if row.starts_at is not None:
            result.starts_at = feed_instant(row.starts_at, settings)
    enrolled = Enrolled(session, [r.person for r in results if r.person])
    matched = {i: enrolled.match(r.person) for i, r in enumerate(results) if r.person}
    ids = [p.id for p in matched.values() if p is not None and p.id is not None]
    procedures = scheduled_procedures(session, ids)
    seen: dict[str, int] = {}
    for i, result in enumerate(results):
        if result.person is None or result.starts_at is None:
            continue
        _check_dates(result, settings, now)
        if result.errors:
            continue
        _check_once_in_file(result, seen)
        if result.errors:
            continue
        patient = matched[i]
        if patient is None:
            _new_patient(result, enrolled, seen)
        else:
            _known_patient(result, patient, procedures.get(patient.id or 0, []), settings, now)
    return results


def _check_dates(result: RowResult, settings: Settings, now: datetime) -> None:
    assert result.person is not None and result.starts_at is not None
    try:
        check_birth_date(result.person.birth_date, now)
    except InvalidInput as error:
        result.errors.append(f"Date of birth: {error.message}")
    try:
        resolve_scheduled_at(result.starts_at, settings.clinic_zone, now)
    except InvalidInput as error:
        result.errors.append(f"Procedure date: {error.message}")


def _check_once_in_file(result: RowResult, seen: dict[str, int]) -> None:
    """The same patient twice in one file: which row to believe is a person's call."""
    person = result.person
    assert person is not None
    keys = [f"mrn:{person.mrn}"] if person.mrn else []
    keys.append(
        f"who:{person.phone}|{fold(person.given_name)}|{fold(person.family_name)}|"
        f"{person.birth_date}"
    )
    for key in keys:
        if key in seen:
            result.errors.append(f"the same patient as row {seen[key]}; keep one of the two rows")
            return
    for key in keys:
        seen[key] = result.number


def _new_patient(result: RowResult, enrolled: Enrolled, seen: dict[str, int]) -> None:
    person = result.person
    assert person is not None
    likely = enrolled.likely(person)
    if likely is not None:
        patient, why = likely
        result.errors.append(
            f"patient {patient.id} has the same {why}: check in the console whether this is "
            "them (add their MRN to the file), or enroll this patient there"
        )
        return
    family = fold(person.family_name)
    for key in (f"pf:{person.phone}|{family}", f"fb:{family}|{person.birth_date}"):
        if key.startswith("fb:") and person.birth_date is None:
            continue
        if key in seen:
            result.errors.append(
                f"row {seen[key]} has the same phone or date of birth and family name: a "
                "relative sharing it is enrolled in the console, one at a time"
            )
            return
        seen[key] = result.number
    result.patient, result.procedure = CREATE, CREATE


def _known_patient(
    result: RowResult,
    patient: Patient,
    procedures: list[Procedure],
    settings: Settings,
    now: datetime,
) -> None:
    person = result.person
    assert person is not None and result.starts_at is not None
    result.patient_id = patient.id
    if person.mrn and patient.mrn and person.mrn != patient.mrn:
        result.errors.append(
            f"MRN: patient {patient.id} has the same phone, name and date of birth and "
            "another MRN; check in the console"
        )
        return
    result.changes = changed_fields(patient, person, settings)
    result.patient = UPDATE if result.changes else UNCHANGED
    at = result.starts_at.astimezone(ZoneInfo("UTC"))
    same = next((p for p in procedures if p.scheduled_at == at), None)
    if same is not None:
        result.procedure, result.procedure_id = UNCHANGED, same.id
        return
    result.moves = upcoming(procedures, now)
    result.procedure = MOVE if result.moves is not None else CREATE
    result.procedure_id = result.moves.id if result.moves else None


def changed_fields(patient: Patient, person: IncomingPatient, settings: Settings) -> list[str]:
    """Our fields the row changes. A name that folds the same (MARIA GARCIA for María
    García) is the record's spelling kept: a file's capitals or lost accents don't win."""
    changes = []
    if not same_person(patient, person) and (
        fold(person.given_name) != patient.given_name_folded
        or fold(person.family_name) != patient.family_name_folded
    ):
        changes.append("name")
    if person.phone and person.phone != patients_phone(patient.phone, settings.clinic_phone_region):
        changes.append("phone")
    if person.language and person.language != patient.language:
        changes.append("language")
    if person.birth_date and person.birth_date != patient.birth_date:
        changes.append("birth_date")
    if person.mrn and not patient.mrn:
        changes.append("mrn")
    return changes
