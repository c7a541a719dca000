from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Patient(SQLModel, table=True):
    __tablename__ = "patient"

    id: int | None = Field(default=None, primary_key=True)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    # E.164; not unique, since family members may share one phone.
    phone: str = Field(max_length=16, index=True)
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=16)
    sms_consent: bool
    consent_recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
