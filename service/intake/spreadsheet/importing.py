"""`import_sheet`: check every row, then (unless a dry run) apply the good rows 500 to a
transaction, through the same domain use cases as the HL7 feed: the record domain's
duplicate rules, edits and consent hold unchanged. New patients (most of a first import)
are enrolled and booked together by the domains' many-at-once use cases, a few
statements per 500 rows; an update or a move is its own savepoint. A row refused by the
domain is left out alone and reported; the other rows go on. Audited once: who, the
file's name and the counts (never a row's content)."""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from service.audit.service import Actor, audit
from service.config import Settings
from service.errors import DomainError
from service.intake.records import update_record
from service.intake.service import Intake, enrollment_of, register
from service.intake.spreadsheet.checking import (
    CREATE,
    MOVE,
    UNCHANGED,
    UPDATE,
    RowResult,
    check_rows,
)
from service.intake.spreadsheet.columns import LABELS, Column, Mapping_
from service.intake.spreadsheet.reading import Sheet
from service.patients.enrolling_many import enroll_patients
from service.patients.models import Patient
from service.patients.schemas import PatientCreate
from service.procedures.booking_many import book_procedures
from service.procedures.changes import reschedule_procedure
from service.procedures.models import Procedure
from service.procedures.service import schedule_procedure
from service.timeline.active import active_plan
from service.timeline.planner import PlannedReminder

log = logging.getLogger("reminders.imports")

# Rows per transaction: new patients go in together (a few statements for them all),
# each other row in its own savepoint; the console's progress moves at each commit.
ROWS_PER_COMMIT = 500
UNCHANGED_BOTH = (UNCHANGED, UNCHANGED)
_FIELD_LABELS = {c.value: LABELS[c] for c in Column} | {
    "scheduled_at": "Procedure date",
    "patient_id": "Patient",
    "procedure_id": "Procedure",
}

Progress = Callable[[int, int], None]
Slots = dict[tuple[datetime, str], list[PlannedReminder]]


@dataclass
class ImportResult:
    file_name: str
    dry_run: bool
    rows: list[RowResult]
    headers: list[str]  # the file's own, for the result CSV

    def counts(self) -> dict[str, int]:
        tally: Counter[str] = Counter()
        for row in self.rows:
            if row.errors:
                tally["rows_refused"] += 1
                continue
            tally[f"patients_{row.patient}"] += 1
            tally[f"procedures_{row.procedure}"] += 1
        return {"rows": len(self.rows), **dict(sorted(tally.items()))}


def import_sheet(
    session: Session,
    sheet: Sheet,
    mapping: Mapping_,
    *,
    file_name: str,
    settings: Settings,
    actor: Actor,
    now: datetime,
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportResult:
    """Check (and unless `dry_run`, import) the sheet; commits as it goes when importing."""
    rows = check_rows(session, sheet, mapping, settings, now)
    result = ImportResult(file_name, dry_run, rows, sheet.headers)
    if dry_run:
        return result
    intake = Intake(
        settings=settings,
        plan=active_plan(settings, session),
        feed="csv",
        source="csv",
        actor=actor,
        now=now,
    )
    slots: Slots = {}  # each procedure slot's plan, made once for the whole file
    for start in range(0, len(rows), ROWS_PER_COMMIT):
        part = rows[start : start + ROWS_PER_COMMIT]
        new = [r for r in part if r.ok and r.patient == CREATE]
        _create_together(session, intake, new, slots)
        for row in part:
            if row.ok and row.patient != CREATE and (row.patient, row.procedure) != UNCHANGED_BOTH:
                _apply_alone(session, intake, row)
        session.commit()
        if progress is not None:
            progress(start + len(part), len(rows))
    counts = result.counts()
    audit(session, actor, "import", "spreadsheet", file_name[:80] or "(unnamed)", at=now,
          after={"rows": counts.pop("rows"), **counts})  # fmt: skip
    session.commit()
    # Counts only: no name (not even the importer's: the audit has who), no row's content.
    log.info("spreadsheet imported: %s", result.counts())
    return result


def _create_together(session: Session, intake: Intake, rows: list[RowResult], slots: Slots) -> None:
    """The new patients and their procedures, enrolled and booked together through the
    domain's many-at-once use cases (the same checks, duplicate rule and audit as one at
    a time). A row the domain refuses is left out before anything of it is written. If
    the database refuses the lot (an MRN given elsewhere meanwhile), each row is tried
    again alone, so one row's problem never costs the others."""
    if not rows:
        return
    savepoint = session.begin_nested()
    try:
        outcomes = _create(session, intake, rows, slots)
        savepoint.commit()
    except (SQLAlchemyError, _OneByOne):
        savepoint.rollback()
        for row in rows:
            _apply_alone(session, intake, row)
        return
    for row, patient, procedure in outcomes:
        if isinstance(patient, DomainError):
            _refused(row, patient)
        else:
            row.patient_id, row.procedure_id = patient.id, procedure.id if procedure else None


class _OneByOne(Exception):
    """A new patient enrolled but their procedure refused: the row must go in whole or
    not at all, so the lot is tried again one row at a time."""


def _create(
    session: Session, intake: Intake, rows: list[RowResult], slots: Slots
) -> list[tuple[RowResult, Patient | DomainError, Procedure | None]]:
    wanted: list[PatientCreate | DomainError] = []
    for row in rows:
        assert row.person is not None
        try:
            wanted.append(enrollment_of(row.person))
        except DomainError as refused:
            wanted.append(refused)
    people = [w for w in wanted if isinstance(w, PatientCreate)]
    enrolled = iter(
        enroll_patients(
            session, people, intake.settings, intake.actor, intake.now, feed=intake.feed
        )
    )
    patients = [next(enrolled) if isinstance(w, PatientCreate) else w for w in wanted]
    bookings: list[tuple[Patient, datetime]] = []
    for patient, row in zip(patients, rows, strict=True):
        if isinstance(patient, Patient):
            assert row.starts_at is not None  # a row is checked to have one
            bookings.append((patient, row.starts_at))
    booked = iter(
        book_procedures(session, bookings, intake.plan, intake.actor, intake.now, slots=slots)
    )
    outcomes: list[tuple[RowResult, Patient | DomainError, Procedure | None]] = []
    for row, patient in zip(rows, patients, strict=True):
        if not isinstance(patient, Patient):
            outcomes.append((row, patient, None))
            continue
        procedure = next(booked)
        if not isinstance(procedure, Procedure):
            raise _OneByOne
        outcomes.append((row, patient, procedure))
    return outcomes


def _apply_alone(session: Session, intake: Intake, row: RowResult) -> None:
    savepoint = session.begin_nested()
    try:
        _apply(session, intake, row)
        savepoint.commit()
    except DomainError as refused:
        savepoint.rollback()
        _refused(row, refused)


def _refused(row: RowResult, refused: DomainError) -> None:
    where = _FIELD_LABELS.get(refused.field or "", "")
    row.errors.append(f"{where}: {refused.message}" if where else refused.message)
    row.patient = row.procedure = ""
    row.patient_id = row.procedure_id = None


def _apply(session: Session, intake: Intake, row: RowResult) -> None:
    person, starts_at = row.person, row.starts_at
    assert person is not None and starts_at is not None
    if row.patient == CREATE:
        patient, _ = register(session, intake, person)
    else:
        found = session.get(Patient, row.patient_id)
        assert found is not None
        patient = found
        if row.patient == UPDATE:
            if "name" not in row.changes:  # the record's spelling of the same name stays
                person = replace(
                    person, given_name=patient.given_name, family_name=patient.family_name
                )
            update_record(session, intake, patient, person)
    row.patient_id = patient.id
    if row.procedure == CREATE:
        procedure = schedule_procedure(
            session, patient, starts_at, intake.plan, intake.actor, intake.now
        )
        row.procedure_id = procedure.id
    elif row.procedure == MOVE:
        assert row.moves is not None
        reschedule_procedure(
            session, row.moves, patient, starts_at, intake.plan, intake.actor, intake.now
        )
