"""The rest of a step cut across texts (see service.templates.fitting): a reminder of its
own, "<step>~<n>", due a minute after the text that carried the first part."""

from datetime import datetime

from sqlalchemy import and_, insert, select
from sqlmodel import Session

from service.procedures.models import ReminderStatus
from service.templates.pieces import NEXT_PART_AFTER

from .chunk import Due
from .record import REMINDER


def continue_later(session: Session, cut: Due, patient_id: int, step: str, now: datetime) -> None:
    """Plan the rest of `cut` as its own reminder, once (a retried first part finds it).

    Its occurrence is the cut reminder's id, so two cuts of one step never collide."""
    live = session.execute(
        select(REMINDER.c.id).where(
            and_(
                REMINDER.c.procedure_id == cut.procedure_id,
                REMINDER.c.step == step,
                REMINDER.c.occurrence == cut.id,
                REMINDER.c.status.in_([ReminderStatus.pending, ReminderStatus.sent]),
            )
        )
    ).first()
    if live is not None:
        return
    due = now + NEXT_PART_AFTER
    session.execute(
        insert(REMINDER).values(
            procedure_id=cut.procedure_id,
            patient_id=patient_id,
            step=step,
            occurrence=cut.id,
            due_at=due,
            useful_until=max(cut.useful_until, due + NEXT_PART_AFTER),
            status=ReminderStatus.pending,
            status_reason=None,
            attempts=0,
            next_attempt_at=due,
            claimed_by=None,
            claimed_until=None,
            message_id=None,
            created_at=now,
            updated_at=now,
        )
    )
