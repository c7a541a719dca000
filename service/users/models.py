from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class Role(StrEnum):
    """What a person, or an API key, may do: staff work, or administer the clinic's setup."""

    staff = "staff"
    admin = "admin"


class User(SQLModel, table=True):
    """A person who signs in to the console; `role` is staff or admin (`Role`)."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased, so "Dana@Clinic.org" and "dana@clinic.org" are one account.
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    active: bool = True
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser. Server-side, so ending it (logout, disable) takes effect at once."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the cookie's value: a copy of the table cannot be replayed as a cookie.
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False, index=True)
    )
    # Every form of this session carries it; a POST without it changes nothing.
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account or per client address, in the database so that every
    API process counts the same failures."""

    __tablename__ = "login_throttle"

    # "account:<sha256 of the email>" or "address:<ip>": a password typed into the email
    # field by mistake is never stored in clear.
    key: str = Field(primary_key=True, max_length=100)
    failures: int = 0
    window_started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
