from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ProcedureSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_at: datetime = Field(
        description="ISO 8601. Without an offset it is the patient's local wall time; "
        "with one, that instant.",
        examples=["2027-03-16T07:00:00", "2027-03-16T12:00:00Z"],
    )


class ReminderPublic(BaseModel):
    id: int
    step: str
    occurrence: int
    due_at: datetime
    local_due_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    message_id: int | None


class ProcedurePublic(BaseModel):
    id: int
    patient_id: int
    status: str
    scheduled_at: datetime
    local_scheduled_at: datetime
    timezone: str
    fasting_starts_at: datetime
    reminders: list[ReminderPublic]
