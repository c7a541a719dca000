"""What the worker checks before a check-in question goes out (called from prepare.py for
the few reminders that ask one; the questions and answers live in service/checkins).

A question is its own text: due with other texts, it waits `check_in_gap` for them. It
is never sent while an urgent reply from the patient waits for a person (it waits, and
is skipped with the reason once it stops being useful). Its reminder a day later goes
only if the question went out at least `check_in_reminder_after` before and is still
unanswered. A question an admin retired is not asked any more: its planned texts are
skipped with the reason (its recorded answers stay).
"""

from datetime import datetime

from sqlmodel import Session, col, select

from service.checkins.models import CheckInAnswer
from service.messaging.models import Direction, Message
from service.procedures.models import Reminder, ReminderStatus
from service.timeline.models import CheckInQuestion
from service.timeline.plan import (
    OPT_OUT_STEP,
    TimelinePlan,
    is_question_step,
    question_of,
    question_step,
)

from .chunk import Due

URGENT_WAITING = "an urgent reply from the patient was waiting for a person"
NOT_ASKED = "the question it repeats was not asked"
ANSWERED = "answered"
NO_ROOM = "no time for it as its own text before it stopped being useful"
RETIRED = "the question was retired"


def hold_questions(
    session: Session, patient_id: int, fresh: list[Due], plan: TimelinePlan, now: datetime
) -> list[Due]:
    """The reminders to send now; the questions held back are released or settled."""
    questions = [r for r in fresh if is_question_step(r.step)]
    if not questions:
        return fresh
    others = [r for r in fresh if not is_question_step(r.step)]
    retired = _retired(session, {question_of(r.step) for r in questions})
    for reminder in [r for r in questions if question_of(r.step) in retired]:
        reminder.finish(ReminderStatus.skipped, RETIRED)
    questions = [r for r in questions if question_of(r.step) not in retired]
    if not questions:
        return others
    if _urgent_reply_waiting(session, patient_id):
        for reminder in questions:
            _wait(reminder, now + plan.check_in_gap * 2, URGENT_WAITING)
        return others
    days = dict(
        session.exec(
            select(Reminder.id, Reminder.occurrence).where(
                col(Reminder.id).in_([r.id for r in questions])
            )
        ).all()
    )
    ready = []
    for reminder in questions:
        if not reminder.step.endswith("_again"):
            ready.append(reminder)
            continue
        name, day = question_of(reminder.step), days[reminder.id]
        if _answered(session, reminder.procedure_id, name, day):
            reminder.finish(ReminderStatus.cancelled, ANSWERED)
            continue
        asked_at = _asked_at(session, reminder.procedure_id, question_step(name), day)
        if asked_at is None:
            reminder.finish(ReminderStatus.skipped, NOT_ASKED)
        elif now < asked_at + plan.check_in_reminder_after:
            _wait(reminder, asked_at + plan.check_in_reminder_after, NOT_ASKED)
        else:
            ready.append(reminder)
    texts = [r for r in others if r.step != OPT_OUT_STEP]
    if texts:
        # Its own text, a few minutes after the others (the opt-out line rides with them).
        for reminder in ready:
            _wait(reminder, now + plan.check_in_gap, NO_ROOM)
        return others
    for reminder in ready[1:]:
        _wait(reminder, now + plan.check_in_gap, NO_ROOM)  # one question at a time
    return others + ready[:1]


def _wait(reminder: Due, until: datetime, reason_if_too_late: str) -> None:
    if until < reminder.useful_until:
        reminder.release(until)
    else:
        reminder.finish(ReminderStatus.skipped, reason_if_too_late)


def _retired(session: Session, keys: set[str]) -> set[str]:
    rows = session.exec(
        select(CheckInQuestion.key).where(
            col(CheckInQuestion.key).in_(keys), col(CheckInQuestion.is_active).is_(False)
        )
    ).all()
    return set(rows)


def _urgent_reply_waiting(session: Session, patient_id: int) -> bool:
    found = session.exec(
        select(Message.id)
        .where(
            Message.patient_id == patient_id,
            Message.direction == Direction.inbound,
            col(Message.urgent).is_(True),
            col(Message.handled_at).is_(None),
        )
        .limit(1)
    ).first()
    return found is not None


def _answered(session: Session, procedure_id: int, question: str, day: int) -> bool:
    found = session.exec(
        select(CheckInAnswer.id).where(
            CheckInAnswer.procedure_id == procedure_id,
            CheckInAnswer.question == question,
            CheckInAnswer.day == day,
            col(CheckInAnswer.value).is_not(None),
        )
    ).first()
    return found is not None


def _asked_at(session: Session, procedure_id: int, step: str, day: int) -> datetime | None:
    return session.exec(
        select(Message.created_at)
        .join(Reminder, col(Reminder.message_id) == col(Message.id))
        .where(
            Reminder.procedure_id == procedure_id,
            Reminder.step == step,
            Reminder.occurrence == day,
            Reminder.status == ReminderStatus.sent,
        )
        .order_by(col(Message.created_at).desc())
        .limit(1)
    ).first()
