"""A check-in answer as recorded: one row per question per time point of a procedure.

The question itself is a reminder (steps `question_<name>`, occurrence = the day); this
row exists once the patient replied to it: the number read (a range keeps both ends),
or none yet when the reply was not an answer and the short form went back.
"""

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class CheckInAnswer(SQLModel, table=True):
    __tablename__ = "check_in_answer"
    __table_args__ = (UniqueConstraint("procedure_id", "question", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    procedure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("procedure.id"), nullable=False, index=True)
    )
    patient_id: int = Field(sa_column=Column(Integer, ForeignKey("patient.id"), nullable=False))
    question: str = Field(max_length=40)
    # Days from the procedure's local date (-7 for the baseline).
    day: int
    # The value recorded (a range's midpoint) and the range's ends; None until answered.
    value: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    low: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    high: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The reply that answered (or, unanswered, the first reply that was not an answer).
    reply_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("message.id"), nullable=True)
    )
    # When the short form went back after a reply that was not an answer (once only).
    asked_again_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Why it called a person ("pain 9/10 on day 3; baseline 5"), if it did.
    escalation_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
