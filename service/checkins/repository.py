"""The check-in queries: the question a patient may be answering, a procedure's questions
and answers, and the answers the outcomes are computed from."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.checkins.models import CheckInAnswer
from service.messaging.models import Message
from service.procedures.models import Procedure, Reminder, ReminderStatus


@dataclass(frozen=True)
class AskedQuestion:
    """A question that went out and may be what the patient's reply answers."""

    procedure_id: int
    patient_id: int
    question: str
    day: int
    asked_at: datetime


def latest_asked(
    session: Session, patient_id: int, since: datetime
) -> tuple[Reminder, datetime] | None:
    """The newest question (or its reminder) sent to the patient since `since`."""
    row = session.exec(
        select(Reminder, Message.created_at)
        .join(Message, col(Message.id) == col(Reminder.message_id))
        .where(
            Reminder.patient_id == patient_id,
            col(Reminder.step).startswith("question_"),
            Reminder.status == ReminderStatus.sent,
            col(Message.created_at) >= since,
        )
        .order_by(col(Message.created_at).desc(), col(Reminder.id).desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def answer_row(
    session: Session, procedure_id: int, question: str, day: int
) -> CheckInAnswer | None:
    return session.exec(
        select(CheckInAnswer).where(
            CheckInAnswer.procedure_id == procedure_id,
            CheckInAnswer.question == question,
            CheckInAnswer.day == day,
        )
    ).first()


def answers_of(session: Session, procedure_id: int) -> list[CheckInAnswer]:
    return list(
        session.exec(
            select(CheckInAnswer)
            .where(CheckInAnswer.procedure_id == procedure_id)
            .order_by(col(CheckInAnswer.day), col(CheckInAnswer.question))
        )
    )


def baseline(session: Session, procedure_id: int, question: str) -> float | None:
    """The answer given before the procedure (the latest, if asked twice)."""
    row = session.exec(
        select(CheckInAnswer)
        .where(
            CheckInAnswer.procedure_id == procedure_id,
            CheckInAnswer.question == question,
            CheckInAnswer.day < 0,
            col(CheckInAnswer.value).is_not(None),
        )
        .order_by(col(CheckInAnswer.day).desc())
        .limit(1)
    ).first()
    return None if row is None else row.value


def question_reminders(
    session: Session, procedure_id: int
) -> list[tuple[Reminder, datetime | None]]:
    """Every question reminder of the procedure, with when its text was sent."""
    rows = session.exec(
        select(Reminder, Message.created_at)
        .outerjoin(Message, col(Message.id) == col(Reminder.message_id))
        .where(
            Reminder.procedure_id == procedure_id,
            col(Reminder.step).startswith("question_"),
        )
        .order_by(col(Reminder.occurrence), col(Reminder.id))
    ).all()
    return [
        (reminder, sent if reminder.status == ReminderStatus.sent else None)
        for reminder, sent in rows
    ]


def pending_question(session: Session, procedure_id: int, step: str, day: int) -> Reminder | None:
    return session.exec(
        select(Reminder).where(
            Reminder.procedure_id == procedure_id,
            Reminder.step == step,
            Reminder.occurrence == day,
            Reminder.status == ReminderStatus.pending,
        )
    ).first()


def answers_between(session: Session, starts: datetime, ends: datetime) -> Sequence[CheckInAnswer]:
    """Answers of procedures that took place in [starts, ends): the outcomes' cohort."""
    return session.exec(
        select(CheckInAnswer)
        .join(Procedure, col(Procedure.id) == col(CheckInAnswer.procedure_id))
        .where(col(Procedure.scheduled_at) >= starts, col(Procedure.scheduled_at) < ends)
        .order_by(col(CheckInAnswer.procedure_id), col(CheckInAnswer.day))
    ).all()


def asked_between(
    session: Session, starts: datetime, ends: datetime
) -> Sequence[tuple[int, str, int]]:
    """(procedure, step, day) of every question sent, for the same cohort."""
    rows = session.exec(
        select(Reminder.procedure_id, Reminder.step, Reminder.occurrence)
        .join(Procedure, col(Procedure.id) == col(Reminder.procedure_id))
        .where(
            col(Procedure.scheduled_at) >= starts,
            col(Procedure.scheduled_at) < ends,
            col(Reminder.step).startswith("question_"),
            Reminder.status == ReminderStatus.sent,
        )
    ).all()
    return [(p, s, d) for p, s, d in rows]


def since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
