from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class TimelinePlanRecord(SQLModel, table=True):
    """One saved version of the clinic's plan (JSON: `service.timeline.active.plan_from_json`
    reads it, `service.plan_admin` writes it).

    The newest active row is in force; none means the code default plus settings.
    """

    __tablename__ = "timeline_plan"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_by_key_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=True)
    )
    # Who saved it, by name: an API key's name or a person's (the console).
    created_by_name: str = Field(
        default="", max_length=200, sa_column_kwargs={"server_default": ""}
    )
    restored_from_version: int | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    is_active: bool = Field(default=True)


class CheckInQuestion(SQLModel, table=True):
    """One question the check-ins ask (issue 18), as data an admin manages: the two
    defaults (`pain`, `walking`, seeded by migration 0017) and any a clinic adds.

    Its wording is not here: it is the templates `question_<key>` and `question_<key>_again`
    (versioned, previewed, segment-counted like every text). Active questions are asked in
    `position` order at every check-in time point (`service.timeline.active`); a retired
    one is kept (its answers stay readable) and asked no more.
    """

    __tablename__ = "check_in_question"

    id: int | None = Field(default=None, primary_key=True)
    # `question_<key>_again` must fit a template step and a reminder step (40 characters).
    key: str = Field(max_length=25, unique=True)
    # "scale": a number from scale_min to scale_max; "minutes": a duration.
    kind: str = Field(max_length=10)
    scale_min: int | None = None
    scale_max: int | None = None
    position: int
    is_active: bool = Field(default=True)
    # Where the wording comes from: "our own wording", "licensed from ..." (the admin's note).
    source: str = Field(default="", max_length=300)
    # Raised by every change; a change made on an older version is refused (409).
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
