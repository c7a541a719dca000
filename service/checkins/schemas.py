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


class QuestionText(BaseModel):
    text: str
    version: int = Field(description="the template version in force (see /v1/templates)")


class CheckInQuestionPublic(BaseModel):
    key: str = Field(description="names the question in answers, lists, CSV and FHIR")
    kind: str = Field(description="`scale` (a number from scale_min to scale_max) or `minutes`")
    scale_min: int | None
    scale_max: int | None
    position: int = Field(description="the order it is asked in (lowest first)")
    active: bool = Field(description="false: retired, asked no more (its answers are kept)")
    source: str = Field(description="where the wording comes from (the admin's note)")
    version: int = Field(description="send it back as expected_version to change it")
    answers: int = Field(description="answers recorded")
    wording: dict[str, QuestionText] = Field(description="the question per language")
    short_form: dict[str, QuestionText] = Field(description="the re-ask per language")


class CheckInQuestionCreate(BaseModel):
    key: str = Field(description="1-25 lower-case letters, digits or _, e.g. odi_item_1")
    kind: str = Field(description="`scale` or `minutes`")
    scale_min: int | None = Field(default=None, description="a scale's lowest answer")
    scale_max: int | None = Field(default=None, description="a scale's highest answer")
    position: int | None = Field(default=None, description="default: after the others")
    active: bool = True
    source: str = Field(description="'our own wording', 'licensed from ...'")
    wording: dict[str, str] = Field(description="the question in every language (en, es)")
    short_form: dict[str, str] = Field(description="the re-ask in every language")


class CheckInQuestionPatch(BaseModel):
    expected_version: int | None = Field(
        default=None, description="the `version` read; 409 if it changed since"
    )
    key: str | None = Field(default=None, description="only while no answers are recorded")
    kind: str | None = Field(default=None, description="only while no answers are recorded")
    scale_min: int | None = None
    scale_max: int | None = None
    position: int | None = None
    active: bool | None = Field(default=None, description="false retires the question")
    source: str | None = None
    wording: dict[str, str] | None = Field(default=None, description="languages to reword")
    short_form: dict[str, str] | None = None
