"""Check-in use cases: which question a reply answers, recording the answer (and whether it
calls a person), sending the next question, and each procedure's check-ins as listed."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.checkins import repository
from service.checkins.escalation import Thresholds, above_scale_reason, escalation_reason
from service.checkins.models import CheckInAnswer
from service.checkins.questions import Question, find_question
from service.checkins.reading import Reading, is_above_scale, read_answer
from service.checkins.repository import AskedQuestion
from service.config import Settings
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.procedures.new_reminders import new_reminder
from service.procedures.reconcile import set_status
from service.timeline.local_time import local_date, local_instant
from service.timeline.plan import (
    TimelinePlan,
    question_of,
    question_reminder_step,
    question_step,
)
from service.timeline.planner import PlannedReminder, first_sendable_instant

ANSWERED = "answered"


def open_question(
    session: Session, settings: Settings, patient_id: int, now: datetime
) -> AskedQuestion | None:
    """The question the patient's reply may answer: the newest one asked (or asked again)
    within CHECK_IN_OPEN_DAYS that has no answer yet; a late reply still counts."""
    found = repository.latest_asked(
        session, patient_id, repository.since(now, settings.check_in_open_days)
    )
    if found is None:
        return None
    reminder, asked_at = found
    name = question_of(reminder.step)
    if find_question(session, name) is None:
        return None
    row = repository.answer_row(session, reminder.procedure_id, name, reminder.occurrence)
    if row is not None and row.value is not None:
        return None
    return AskedQuestion(
        reminder.procedure_id, reminder.patient_id, name, reminder.occurrence, asked_at
    )


def question_asked(session: Session, asked: AskedQuestion) -> Question:
    """The question as it stands (a retired one still reads its late answers)."""
    found = find_question(session, asked.question)
    assert found is not None  # open_question found it; questions are never deleted
    return found


def read(session: Session, asked: AskedQuestion, body: str) -> Reading | None:
    """The answer read by the question's kind: a number on its own scale, or minutes."""
    kind = question_asked(session, asked)
    return read_answer(body, kind.scale, kind.lowest, kind.highest)


def above_scale(session: Session, asked: AskedQuestion, body: str) -> str | None:
    """Why a text that rates above the scale's top ("11/10", "off the charts") calls a
    person, or None: no number is recorded, but it reaches the inbox as urgent."""
    kind = question_asked(session, asked)
    if not is_above_scale(body, kind.scale, kind.lowest, kind.highest):
        return None
    return above_scale_reason(kind, asked.day)


def answer_row(session: Session, asked: AskedQuestion, now: datetime) -> CheckInAnswer:
    """The answer's row, made when the first reply to the question arrives."""
    row = repository.answer_row(session, asked.procedure_id, asked.question, asked.day)
    if row is None:
        row = CheckInAnswer(
            procedure_id=asked.procedure_id,
            patient_id=asked.patient_id,
            question=asked.question,
            day=asked.day,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class Recorded:
    row: CheckInAnswer
    escalation: str | None


def record_answer(
    session: Session,
    settings: Settings,
    asked: AskedQuestion,
    reading: Reading,
    reply_message_id: int | None,
    now: datetime,
) -> Recorded:
    """Keep the number; say why it calls a person, if it does; stop its reminder."""
    row = answer_row(session, asked, now)
    baseline = (
        None if asked.day < 0 else repository.baseline(session, asked.procedure_id, asked.question)
    )
    reason = escalation_reason(
        question_asked(session, asked),
        asked.day,
        reading.low,
        reading.high,
        baseline,
        Thresholds.of(settings),
    )
    row.value, row.low, row.high = reading.value, reading.low, reading.high
    row.answered_at = now
    row.reply_message_id = reply_message_id
    row.escalation_reason = reason
    row.updated_at = now
    session.add(row)
    again = repository.pending_question(
        session, asked.procedure_id, question_reminder_step(asked.question), asked.day
    )
    if again is not None:
        set_status(again, ReminderStatus.cancelled, ANSWERED, now)
        session.add(again)
    return Recorded(row, reason)


def send_next_question(
    session: Session,
    plan: TimelinePlan,
    asked: AskedQuestion,
    zone: ZoneInfo,
    now: datetime,
) -> str | None:
    """Queue the check-in's next question as its own text, due now (inside the window),
    with its reminder a day later. Returns its name, or None when it was the last."""
    step = next(
        (
            s
            for s in plan.steps
            if s.is_check_in and s.day == asked.day and asked.question in s.questions
        ),
        None,
    )
    if step is None:
        return None
    index = step.questions.index(asked.question)
    if index + 1 >= len(step.questions):
        return None
    following = step.questions[index + 1]
    procedure = session.get(Procedure, asked.procedure_id)
    assert procedure is not None
    live = session.exec(
        select(Reminder.id).where(
            Reminder.procedure_id == asked.procedure_id,
            Reminder.step == question_step(following),
            Reminder.occurrence == asked.day,
            col(Reminder.status).in_((ReminderStatus.pending, ReminderStatus.sent)),
        )
    ).first()
    if live is not None:
        return None  # already on its way (a reply answered twice)
    due = first_sendable_instant(plan, now, zone)
    useful = local_instant(local_date(due, zone) + timedelta(days=2), time(0), zone)
    if asked.day < 0:
        useful = min(useful, procedure.scheduled_at)
    if due >= useful:
        return None
    session.add(
        new_reminder(
            procedure, PlannedReminder(question_step(following), asked.day, due, useful), now
        )
    )
    later = first_sendable_instant(plan, due + plan.check_in_reminder_after, zone)
    if later < useful:
        again = PlannedReminder(question_reminder_step(following), asked.day, later, useful)
        session.add(new_reminder(procedure, again, now))
    return following
