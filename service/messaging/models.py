from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Direction(StrEnum):
    outbound = "outbound"
    inbound = "inbound"


class MessageStatus(StrEnum):
    sending = "sending"
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    received = "received"


class Message(SQLModel, table=True):
    """A text exactly as it went to (or came from) the patient."""

    __tablename__ = "message"
    __table_args__ = (
        # The inbox reads only unhandled replies; a partial index keeps that cheap
        # however many handled ones pile up.
        Index(
            "ix_message_unhandled_reply",
            "created_at",
            postgresql_where=text("direction = 'inbound' AND handled_at IS NULL"),
            sqlite_where=text("direction = 'inbound' AND handled_at IS NULL"),
        ),
        # Today lists the week's urgent replies: a few rows among every text ever sent.
        Index(
            "ix_message_urgent_reply",
            "created_at",
            postgresql_where=text("direction = 'inbound' AND urgent IS true"),
            sqlite_where=text("direction = 'inbound' AND urgent IS true"),
        ),
        # /metrics counts the replies the catch-up recovered: a handful among all texts.
        Index(
            "ix_message_recovered",
            "recovered_at",
            postgresql_where=text("recovered_at IS NOT NULL"),
            sqlite_where=text("recovered_at IS NOT NULL"),
        ),
        # The worker looks for one-off texts left `sending` by a process that stopped
        # mid-send (delivery/one_off.py): a handful among every text ever sent.
        Index(
            "ix_message_one_off_sending",
            "created_at",
            postgresql_where=text("status = 'sending' AND steps = 'staff_message'"),
            sqlite_where=text("status = 'sending' AND steps = 'staff_message'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None only for a reply from a number no patient has (kept for the inbox all the same).
    patient_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("patient.id"), nullable=True, index=True),
    )
    procedure_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("procedure.id"), nullable=True)
    )
    direction: str = Field(max_length=16)
    phone: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    # Comma-separated steps the text covers (several when steps share a time).
    steps: str = Field(default="", max_length=400)
    language: str = Field(default="en", max_length=16)
    status: str = Field(max_length=16)
    gateway: str = Field(default="", max_length=32)
    provider_message_id: str | None = Field(default=None, max_length=64, unique=True)
    error_code: str | None = Field(default=None, max_length=32)
    error_message: str | None = Field(default=None, max_length=500)
    # An inbound reply that mentions a warning sign from the seeds.
    urgent: bool = False
    # Pictures or files an inbound MMS carried (Twilio's NumMedia); not kept here.
    media_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    # Why an urgent reply needs a person when the words alone do not say (a check-in
    # answer: "pain 9/10 on day 3; baseline 5").
    urgent_reason: str | None = Field(default=None, max_length=200)
    # An inbound reply asking to move a booked visit or the procedure.
    reschedule_request: bool = False
    # Inbound replies wait in the inbox until staff mark them handled (who, when, note).
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    handled_by_key_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=True)
    )
    handled_by: str | None = Field(default=None, max_length=200)
    handled_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the inbound catch-up took in a reply our webhook never received (an outage):
    # created_at is then when the patient sent it, and no automatic answer went back.
    recovered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Which template version produced each step of the text, e.g. "prep_week:en:3".
    template_versions: str | None = Field(default=None, max_length=400)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
