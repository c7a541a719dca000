from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """One change made through the API, the console or a feed, or one look at patient data
    (action `read`, see `service.audit.reads`).

    `changes` is JSON holding field names and, for a few safe fields (ids, statuses,
    times, versions), before/after values; never a message body, phone or name.
    No foreign keys: an entry outlives whatever it describes.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_patient_at", "patient_id", "at"),
        # /audit filtered by person (a console user or an API key), newest first.
        Index("ix_audit_entry_user_at", "actor_user_id", "at"),
        Index("ix_audit_entry_key_at", "actor_key_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_key_id: int | None = None
    # Set instead of actor_key_id when a person made the change in the console.
    actor_user_id: int | None = None
    actor_name: str = Field(default="", max_length=200)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=80)
    patient_id: int | None = None
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False))
