"""What a change to a procedure or a visit would do to the patient's texts, before it is made.

`of_change` runs the real change (`service.procedures.service`, `visits`) inside a
savepoint, reads what it did to the reminders and words the texts that would go out,
then rolls the savepoint back (its audit entry with it): the rules live in one place,
and what staff confirm is exactly what confirming does (unless someone else changes
the procedure in between). A change that would be refused raises the same error the
change itself raises.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.config import Settings
from service.patients.models import Patient
from service.procedures.models import Procedure, ReminderStatus
from service.procedures.reconcile import reminders_of
from service.procedures.wording import pending_texts
from service.timeline.plan import CANCELLATION_STEP, CORRECTION_STEP, TimelinePlan


@dataclass(frozen=True)
class TextChange:
    """One reminder the change would add, move, or settle (cancel or skip)."""

    step: str
    occurrence: int
    was_due_at: datetime | None  # None: a text the change adds
    due_at: datetime
    was_status: str | None
    status: str
    status_reason: str | None
    # The whole text it would go out in (merged with steps due at the same time), if pending.
    text: str | None

    @property
    def is_notice(self) -> bool:
        """A correction or cancellation text telling the patient what changed."""
        return self.step in (CORRECTION_STEP, CANCELLATION_STEP) and self.status == "pending"


@dataclass(frozen=True)
class Consequences:
    timezone: str
    changes: list[TextChange]

    @property
    def notice(self) -> TextChange | None:
        return next((c for c in self.changes if c.is_notice), None)

    @property
    def moved(self) -> list[TextChange]:
        return [c for c in self.changes if c.was_due_at is not None and c.status == "pending"]

    @property
    def added(self) -> list[TextChange]:
        return [c for c in self.changes if c.was_due_at is None and not c.is_notice]

    @property
    def withdrawn(self) -> list[TextChange]:
        """Texts that would no longer go out (cancelled, replaced or skipped)."""
        return [
            c
            for c in self.changes
            if c.status != "pending" and c.was_status in (None, ReminderStatus.pending)
        ]


def of_change(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    settings: Settings,
    change: Callable[[], object],
) -> Consequences:
    """What `change` (a change to `procedure` or one of its visits, made with `plan`)
    would do to the patient's texts; it is run, then undone."""
    assert procedure.id is not None
    procedure_id = procedure.id
    before = {r.id: (r.due_at, r.status) for r in reminders_of(session, procedure_id)}
    savepoint = session.begin_nested()
    try:
        change()
        session.flush()
        after = reminders_of(session, procedure_id)
        texts = {
            reminder_id: slot.text.body
            for slot in pending_texts(session, procedure, patient, plan, settings, after)
            for reminder_id in slot.reminder_ids
        }
        changes = []
        for reminder in after:
            was = before.get(reminder.id)
            if was is not None and was == (reminder.due_at, reminder.status):
                continue
            changes.append(
                TextChange(
                    step=reminder.step,
                    occurrence=reminder.occurrence,
                    was_due_at=was[0] if was else None,
                    due_at=reminder.due_at,
                    was_status=was[1] if was else None,
                    status=reminder.status,
                    status_reason=reminder.status_reason,
                    text=texts.get(reminder.id or 0),
                )
            )
    finally:
        # Every effect of the trial, row locks included, goes with the savepoint.
        savepoint.rollback()
    changes.sort(key=lambda c: (c.due_at, c.step, c.occurrence))
    return Consequences(timezone=patient.timezone, changes=changes)
