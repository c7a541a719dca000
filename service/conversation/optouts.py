"""Per-number opt-out: a STOP reaches every patient record that shares the number."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, Session, SQLModel

from service.db import UTCDateTime


class PhoneOptOut(SQLModel, table=True):
    __tablename__ = "phone_opt_out"

    phone: str = Field(primary_key=True, max_length=16)
    opted_out: bool
    # When the current state began (the STOP, or the START that undid it).
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    keyword: str = Field(max_length=32)


def opt_out_state(session: Session, phone: str) -> PhoneOptOut | None:
    return session.get(PhoneOptOut, phone)


def is_opted_out(session: Session, phone: str) -> bool:
    state = opt_out_state(session, phone)
    return state is not None and state.opted_out
