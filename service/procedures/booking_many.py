"""Booking many new procedures at once (a spreadsheet's new rows): each checked,
planned, asked for consent and audited exactly as `book_procedure` does, but written in
a few statements for the lot (the procedures, every reminder, the audit entries)
instead of five round trips a booking. A booking refused gets its error in its place
and nothing written; the others are booked."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from service.audit.models import AuditEntry
from service.audit.service import Actor
from service.errors import DomainError
from service.patients.models import Patient
from service.procedures.consent_request import already_asked, consent_request_for
from service.procedures.models import Procedure
from service.procedures.new_reminders import insert_new_many
from service.procedures.service import booking_audit, first_plan, new_procedure
from service.timeline.plan import TimelinePlan
from service.timeline.planner import PlannedReminder
from service.writes import insert_rows, insert_rows_with_ids


def book_procedures(
    session: Session,
    bookings: Sequence[tuple[Patient, datetime]],
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
    *,
    slots: dict[tuple[datetime, str], list[PlannedReminder]] | None = None,
) -> list[Procedure | DomainError]:
    """`book_procedure` for each (patient, time), in order: the booked procedure (in the
    session, with its id) or why not. `slots`: the plans of the slots booked so far, kept
    by a caller booking in parts with the same `plan` and `now` (a file in chunks)."""
    results: list[Procedure | DomainError] = []
    for patient, scheduled_at in bookings:
        try:
            results.append(new_procedure(patient, scheduled_at, plan, now))
        except DomainError as refused:
            results.append(refused)
    booked = [(r, bookings[i][0]) for i, r in enumerate(results) if isinstance(r, Procedure)]
    # Whether each waiting patient was asked already, in one query; a patient enrolled in
    # this very change (created now) has not been.
    asked = already_asked(
        session,
        [p.id or 0 for _, p in booked if p.awaiting_yes_since is not None and p.created_at != now],
    )
    _insert(session, [procedure for procedure, _ in booked])
    # A clinic books many patients into the same slots: each slot (time and zone) is
    # planned once; with the same plan and `now`, the plan is a pure function of them.
    slots = {} if slots is None else slots
    plans = []
    for procedure, patient in booked:
        slot = (procedure.scheduled_at, patient.timezone)
        if slot not in slots:
            slots[slot] = first_plan(procedure, patient, plan, now, None)
        asking = consent_request_for(procedure, patient, plan, now, asked=patient.id in asked)
        plans.append((procedure, [*slots[slot], asking] if asking else slots[slot]))
    insert_new_many(session, plans, now)
    audits = [booking_audit(actor, procedure, now) for procedure, _ in booked]
    insert_rows(session, AuditEntry.__table__, audits)  # type: ignore[attr-defined]
    return results


def _insert(session: Session, procedures: list[Procedure]) -> None:
    if not procedures:
        return
    table = Procedure.__table__  # type: ignore[attr-defined]
    rows = [
        {c.name: getattr(p, c.name) for c in table.columns if c.name != "id"} for p in procedures
    ]
    ids = insert_rows_with_ids(session, table, rows)
    for procedure, id_ in zip(procedures, ids, strict=True):
        procedure.id = id_
        make_transient_to_detached(procedure)
        session.add(procedure)
