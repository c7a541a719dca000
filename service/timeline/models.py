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
