from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class CheckInPublic(BaseModel):
    question: str = Field(description="`pain` (0-10) or `walking` (minutes)")
    day: int = Field(description="days from the procedure's local date (-7: the baseline)")
    status: Literal["planned", "asked", "answered", "unanswered", "skipped"]
    value: float | None = Field(description="the number recorded (a range's midpoint)")
    low: float | None
    high: float | None
    asked_at: datetime | None
    answered_at: datetime | None
    due_at: datetime | None = Field(description="when a planned question goes out")
    reason: str | None = Field(description="why it was skipped, or why the answer called a person")


class OutcomePublic(BaseModel):
    question: str
    day: int
    asked: int
    answered: int
    median: float | None
    median_change: float | None = Field(description="median change from the baseline")
    improved_share: float | None = Field(
        description="pain: share of answers with a baseline that fell by 2 points or more"
    )
