"""A number's consent to be texted: one row per phone number, not per patient."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class PhoneOptOut(SQLModel, table=True):
    __tablename__ = "phone_opt_out"

    phone: str = Field(primary_key=True, max_length=16)
    opted_out: bool
    # When the current state began (the STOP, or the START that undid it).
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    keyword: str = Field(max_length=32)
