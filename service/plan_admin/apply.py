"""Re-planning pending reminders with the plan in force, or showing what that would do.

A procedure counts as changed when any of its texts would go out at another time, be
added or withdrawn, or say something else: the wording is compared with the plan the
procedure was last planned with (`procedure.plan_version`), since e.g. new fasting
hours move no text but change what the fasting text says.

Set-based: procedures are taken a chunk at a time, each chunk's patients, reminders and
visits read in one query each and its changes written in batched statements. The dry
run runs the very same re-planning (`reconcile_rows`) on detached copies: it writes
nothing and locks nothing. Applying locks a chunk's procedures in id order (as the
worker and a reschedule do) and re-reads them before re-planning.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.audit.service import Actor, audit
from service.config import Settings
from service.patients.models import Patient
from service.procedures.changes import LATE_AFTER_PLAN_CHANGE
from service.procedures.models import Procedure, ProcedureStatus, Reminder, ReminderStatus
from service.procedures.reconcile import booked_visits_of, reconcile_rows, reminders_of_many
from service.procedures.wording import pending_texts
from service.templates.store import DbTemplates
from service.timeline.active import default_plan, latest_record, plan_from_json
from service.timeline.models import TimelinePlanRecord
from service.timeline.plan import TimelinePlan


@dataclass(frozen=True)
class ReminderChange:
    reminder_id: int | None  # None: a reminder the re-plan would add (not yet stored)
    step: str
    occurrence: int
    was_due_at: datetime | None
    due_at: datetime
    was_status: str | None
    status: str
    wording_changed: bool


@dataclass(frozen=True)
class ProcedureChange:
    procedure_id: int
    patient_id: int
    timezone: str
    reminders: list[ReminderChange]


@dataclass
class ApplyReport:
    dry_run: bool
    changes: list[ProcedureChange] = field(default_factory=list)
    reminders_changed: int = 0
    reminders_added: int = 0
    reminders_cancelled: int = 0

    @property
    def procedures(self) -> int:
        return len(self.changes)

    @property
    def procedure_ids(self) -> list[int]:
        return [c.procedure_id for c in self.changes]


def apply_to_pending(
    session: Session, plan: TimelinePlan, settings: Settings, now: datetime, *, dry_run: bool
) -> ApplyReport:
    """Re-plan the pending reminders of every scheduled procedure with `plan` and report
    the procedures whose texts change; with `dry_run`, change (and lock) nothing."""
    report = ApplyReport(dry_run=dry_run)
    _apply(session, plan, settings, now, report)
    return report


def apply_and_audit(
    session: Session, plan: TimelinePlan, settings: Settings, actor: Actor, now: datetime
) -> ApplyReport:
    """Apply the plan in force to pending reminders and audit it (not committed)."""
    record = latest_record(session)
    report = apply_to_pending(session, plan, settings, now, dry_run=False)
    version = record.version if record else 0
    audit(
        session,
        actor,
        "apply_to_pending",
        "plan",
        version,
        at=now,
        after={
            "version": version,
            "procedures": report.procedures,
            "reminders_changed": report.reminders_changed,
            "reminders_added": report.reminders_added,
            "reminders_cancelled": report.reminders_cancelled,
        },
    )
    return report


# Procedures re-planned per round of queries: a few statements each, bounded memory.
CHUNK = 200


def _apply(
    session: Session, plan: TimelinePlan, settings: Settings, now: datetime, report: ApplyReport
) -> None:
    has_pending = select(Reminder.procedure_id).where(Reminder.status == ReminderStatus.pending)
    ids = list(
        session.exec(
            select(Procedure.id)
            .where(
                Procedure.status == ProcedureStatus.scheduled,
                col(Procedure.id).in_(has_pending),
            )
            .order_by(col(Procedure.id))
        )
    )
    plans = _PlanVersions(session, settings)
    templates = DbTemplates(session)
    for start in range(0, len(ids), CHUNK):
        chunk = [i for i in ids[start : start + CHUNK] if i is not None]
        _apply_chunk(session, chunk, plan, plans, templates, settings, now, report)


def _apply_chunk(
    session: Session,
    ids: list[int],
    plan: TimelinePlan,
    plans: "_PlanVersions",
    templates: DbTemplates,
    settings: Settings,
    now: datetime,
    report: ApplyReport,
) -> None:
    query = select(Procedure).where(col(Procedure.id).in_(ids)).order_by(col(Procedure.id))
    if not report.dry_run:
        # Locked in id order and re-read: a cancel committed meanwhile is seen here.
        query = query.with_for_update().execution_options(populate_existing=True)
    procedures = [p for p in session.exec(query) if p.status == ProcedureStatus.scheduled]
    if not procedures:
        return
    patients = {
        p.id: p
        for p in session.exec(
            select(Patient).where(col(Patient.id).in_({p.patient_id for p in procedures}))
        )
    }
    reminders = reminders_of_many(session, [p.id or 0 for p in procedures])
    visits = booked_visits_of(session, [p.id or 0 for p in procedures])
    written: list[Reminder | Procedure] = []
    for procedure in procedures:
        patient = patients[procedure.patient_id]
        assert procedure.id is not None
        before_rows = reminders[procedure.id]
        before = {r.id: (r.due_at, r.status) for r in before_rows}
        old_plan = plans.get(procedure.plan_version)
        # Only the fasting hours reach the wording; skip rendering when they are the same.
        compare_words = old_plan.fasting_hours != plan.fasting_hours
        old_words = (
            _words(session, procedure, patient, old_plan, settings, before_rows, templates)
            if compare_words
            else {}
        )
        if report.dry_run:  # detached copies: nothing the session would write
            target = Procedure.model_validate(procedure.model_dump())
            rows = [Reminder.model_validate(r.model_dump()) for r in before_rows]
        else:
            target, rows = procedure, before_rows
        after = reconcile_rows(
            target,
            rows,
            visits[procedure.id],
            ZoneInfo(patient.timezone),
            plan,
            now,
            LATE_AFTER_PLAN_CHANGE,
        )
        if not report.dry_run:
            written += [target, *after]
        new_words = (
            _words(session, target, patient, plan, settings, after, templates)
            if compare_words
            else {}
        )
        changes = _changes(before, after, old_words, new_words, report)
        if changes:
            report.changes.append(
                ProcedureChange(procedure.id, procedure.patient_id, patient.timezone, changes)
            )
    if written:
        # One flush for the chunk: the ORM batches its updates and inserts per table.
        session.add_all(written)
        session.flush()


def _changes(
    before: dict[int | None, tuple[datetime, str]],
    after: list[Reminder],
    old_words: dict[int | None, str],
    new_words: dict[int | None, str],
    report: ApplyReport,
) -> list[ReminderChange]:
    changes = []
    for reminder in after:
        was = before.get(reminder.id) if reminder.id is not None else None
        reworded = reminder.id in old_words and old_words[reminder.id] != new_words.get(reminder.id)
        if was is not None and was == (reminder.due_at, reminder.status) and not reworded:
            continue
        if was is None:
            report.reminders_added += 1
        else:
            report.reminders_changed += 1
            if reminder.status == ReminderStatus.cancelled and was[1] != reminder.status:
                report.reminders_cancelled += 1
        changes.append(
            ReminderChange(
                reminder_id=reminder.id if was is not None else None,
                step=reminder.step,
                occurrence=reminder.occurrence,
                was_due_at=was[0] if was else None,
                due_at=reminder.due_at,
                was_status=was[1] if was else None,
                status=reminder.status,
                wording_changed=reworded,
            )
        )
    return changes


def _words(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
    reminders: list[Reminder],
    templates: DbTemplates,
) -> dict[int | None, str]:
    """Each pending reminder's whole text under `plan`."""
    return {
        reminder_id: slot.text.body
        for slot in pending_texts(session, procedure, patient, plan, settings, reminders, templates)
        for reminder_id in slot.reminder_ids
    }


class _PlanVersions:
    """Saved plans by version, each read once (0 = the default with the settings)."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self._plans: dict[int, TimelinePlan] = {}

    def get(self, version: int) -> TimelinePlan:
        if version not in self._plans:
            record = self.session.exec(
                select(TimelinePlanRecord).where(TimelinePlanRecord.version == version)
            ).first()
            self._plans[version] = (
                plan_from_json(json.loads(record.body), self.settings, version)
                if record is not None
                else default_plan(self.settings)
            )
        return self._plans[version]
