"""Booked follow-up visits (wound check, 2 weeks, 3 months) recorded by staff."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Appointment(SQLModel, table=True):
    __tablename__ = "appointment"

    id: int | None = Field(default=None, primary_key=True)
    procedure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("procedure.id"), nullable=False, index=True)
    )
    kind: str = Field(max_length=16)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="booked", max_length=16)  # AppointmentStatus
    # Room for reply-to-confirm: set when the patient confirms the visit by text.
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AppointmentStatus:
    booked = "booked"
    cancelled = "cancelled"
