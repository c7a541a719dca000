"""A procedure's check-ins answered, for browser stories and screenshots: each question
marked asked (a sent text) and its answer recorded, as the worker and a reply would."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from service.checkins.models import CheckInAnswer
from service.messaging.models import Direction, Message, MessageStatus
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.timeline.plan import question_step


def answer_check_ins(
    session: Session, procedure: Procedure, answers: dict[tuple[str, int], float], now: datetime
) -> None:
    assert procedure.id is not None
    for (question, day), value in answers.items():
        asked_at = procedure.scheduled_at + timedelta(days=day, hours=2)
        message = Message(
            patient_id=procedure.patient_id,
            procedure_id=procedure.id,
            direction=Direction.outbound,
            phone="+12125550100",
            body=f"(the {question} question)",
            steps=question_step(question),
            status=MessageStatus.delivered,
            created_at=asked_at,
            sent_at=asked_at,
            updated_at=asked_at,
        )
        session.add(message)
        session.flush()
        reminder = session.exec(
            select(Reminder).where(
                Reminder.procedure_id == procedure.id,
                Reminder.step == question_step(question),
                Reminder.occurrence == day,
            )
        ).first()
        if reminder is None:
            reminder = Reminder(
                procedure_id=procedure.id,
                patient_id=procedure.patient_id,
                step=question_step(question),
                occurrence=day,
                due_at=asked_at,
                useful_until=asked_at + timedelta(days=1),
                created_at=now,
                updated_at=now,
            )
        reminder.status, reminder.message_id, reminder.next_attempt_at = (
            ReminderStatus.sent,
            message.id,
            None,
        )
        session.add(reminder)
        session.add(
            CheckInAnswer(
                procedure_id=procedure.id,
                patient_id=procedure.patient_id,
                question=question,
                day=day,
                value=value,
                low=value,
                high=value,
                answered_at=asked_at + timedelta(minutes=20),
                created_at=now,
                updated_at=now,
            )
        )
