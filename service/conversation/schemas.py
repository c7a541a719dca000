from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class InboxReply(BaseModel):
    message_id: int
    number_on_file: bool = Field(
        description="False for a text from a number no patient has: patient fields are null"
    )
    phone: str = Field(description="The number the text came from (E.164), to call back")
    patient_id: int | None = Field(description="Null when the number is not on file")
    given_name: str | None = Field(description="Null when the number is not on file")
    family_name: str | None = Field(description="Null when the number is not on file")
    procedure_id: int | None
    procedure_scheduled_at: datetime | None
    procedure_status: str | None
    received_at: datetime
    body: str = Field(description="The words as sent; empty for a picture alone")
    media_count: int = Field(description="Pictures or files sent with it (not kept here)")
    language: str = Field(description="The patient's language; empty for a number not on file")
    urgent: bool
    urgent_reason: str | None = Field(
        default=None,
        description="Why it is urgent when the words alone do not say: a check-in answer "
        "('pain 9/10 on day 3; baseline 5')",
    )
    reschedule_request: bool
    recovered_after_outage: bool = Field(
        description="Taken from Twilio's log after our webhook was down: received_at is when"
        " the patient sent it, and no automatic answer went back"
    )


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


class AlertPublic(BaseModel):
    message_id: int
    patient_id: int | None = Field(
        description="None for a reply from a number not on file (see GET /v1/inbox)"
    )
    received_at: datetime
    body: str
    reason: str | None = Field(
        default=None, description="why a check-in answer called a person, if it did"
    )
