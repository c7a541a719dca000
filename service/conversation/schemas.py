from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class InboxReply(BaseModel):
    message_id: int
    patient_id: int
    given_name: str
    family_name: str
    procedure_id: int | None
    procedure_scheduled_at: datetime | None
    procedure_status: str | None
    received_at: datetime
    body: str
    language: str
    urgent: bool
    reschedule_request: bool


class HandleReply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class HandledReply(BaseModel):
    message_id: int
    handled_at: datetime
    handled_by: str
    note: str | None


class StaffTextCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=1600)
    outside_window: bool = Field(
        default=False,
        description="Send even outside the patient's sending window (staff judged it needed)",
    )
