"""`import_sheet`: check every row, then (unless a dry run) apply each good row as its
own unit of work (a savepoint), through the same intake use cases as the HL7 feed: the
record domain's duplicate rules, edits and consent hold unchanged. A row refused by the
domain is rolled back alone and reported; the other rows go on. Audited once: who, the
file's name and the counts (never a row's content)."""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from service.audit.service import Actor, audit
from service.config import Settings
from service.errors import DomainError
from service.intake.records import update_record
from service.intake.service import Intake, register
from service.intake.spreadsheet.checking import (
    CREATE,
    MOVE,
    UPDATE,
    RowResult,
    check_rows,
)
from service.intake.spreadsheet.columns import LABELS, Column, Mapping_
from service.intake.spreadsheet.reading import Sheet
from service.patients.models import Patient
from service.procedures.service import reschedule_procedure, schedule_procedure
from service.timeline.active import active_plan

log = logging.getLogger("reminders.imports")

COMMIT_EVERY = 200  # rows per transaction: each row still its own savepoint
_FIELD_LABELS = {c.value: LABELS[c] for c in Column} | {
    "scheduled_at": "Procedure date",
    "patient_id": "Patient",
    "procedure_id": "Procedure",
}

Progress = Callable[[int, int], None]


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
    for done, row in enumerate(rows, start=1):
        if row.ok and (row.patient != "unchanged" or row.procedure != "unchanged"):
            _apply_alone(session, intake, row)
        if done % COMMIT_EVERY == 0:
            session.commit()
            if progress is not None:
                progress(done, len(rows))
    counts = result.counts()
    audit(session, actor, "import", "spreadsheet", file_name[:80] or "(unnamed)", at=now,
          after={"rows": counts.pop("rows"), **counts})  # fmt: skip
    session.commit()
    if progress is not None:
        progress(len(rows), len(rows))
    # Counts only: no name (not even the importer's: the audit has who), no row's content.
    log.info("spreadsheet imported: %s", result.counts())
    return result


def _apply_alone(session: Session, intake: Intake, row: RowResult) -> None:
    savepoint = session.begin_nested()
    try:
        _apply(session, intake, row)
        savepoint.commit()
    except DomainError as refused:
        savepoint.rollback()
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
