"""What the conversation remembers beyond the messages: each webhook it acted on, and pages."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class InboundReceipt(SQLModel, table=True):
    """One inbound webhook, by its MessageSid: a replay finds it and does nothing again.

    `answer` is what we texted back (TwiML), so a replay gets the same answer and the
    conversation window can tell when a routine answer last went to a number.
    """

    __tablename__ = "inbound_receipt"
    __table_args__ = (Index("ix_inbound_receipt_phone_received", "phone", "received_at"),)

    # Twilio's MessageSid, or a digest of it when longer than the column (see sid_key).
    sid: str = Field(primary_key=True, max_length=64)
    phone: str = Field(default="", max_length=16)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # What the reply was taken as: stop, start, help, confirm, reply, ...
    action: str = Field(max_length=32)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # "routine" answers are rationed by the conversation window; "urgent" never are.
    answer_kind: str | None = Field(default=None, max_length=16)
    message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("message.id"), nullable=True)
    )


class OnCallPage(SQLModel, table=True):
    """A short no-PHI text to ON_CALL_PHONE about an urgent reply; rows ration the pages."""

    __tablename__ = "on_call_page"

    id: int | None = Field(default=None, primary_key=True)
    paged_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    reply_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("message.id"), nullable=True)
    )
    status: str = Field(max_length=16)
    provider_message_id: str | None = Field(default=None, max_length=64)
    error_code: str | None = Field(default=None, max_length=32)


class InboundCatchUp(SQLModel, table=True):
    """How far back Twilio's log of texts to our number has been read (the catch-up).

    One row per number. Kept in the database, the single source of truth, so any worker
    picks up where the last one stopped; the row lock lets one worker read at a time.
    """

    __tablename__ = "inbound_catch_up"

    number: str = Field(primary_key=True, max_length=16)
    # Every text Twilio sent us before this moment has been read and kept.
    read_through: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
