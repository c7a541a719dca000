"""Each worker's heartbeat row: what `/readyz` and `reminders worker --check` read."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=100)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    state: str = Field(default="running", max_length=16)  # running | stopped
