from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class MessageTemplate(SQLModel, table=True):
    """One saved version of one step's text in one language; versions are never deleted.

    At most one version of a (step, language) is active. No row means the code default
    (version 0) is in force.
    """

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("step", "language", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    step: str = Field(max_length=40)
    language: str = Field(max_length=16)
    version: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    # Restores copy an old body into a new version and name it here.
    restored_from_version: int | None = None
    created_by_key_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    is_active: bool = Field(default=False)
