"""What the procedures, appointments and worklist routes take and answer."""

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from service.procedures.appointments import Appointment
from service.timeline.plan import FollowUpKind
from service.validation import ClinicalDatetime


class ProcedureSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_at: ClinicalDatetime = Field(
        description="ISO 8601. Without an offset it is the patient's local wall time; "
        "with one, that instant.",
        examples=["2027-03-16T07:00:00", "2027-03-16T12:00:00Z"],
    )


class AppointmentBook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FollowUpKind
    starts_at: ClinicalDatetime = Field(
        description="ISO 8601; without an offset it is the patient's local wall time."
    )


class AppointmentMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: ClinicalDatetime


class AppointmentPublic(BaseModel):
    id: int
    procedure_id: int
    kind: str
    status: str
    starts_at: datetime
    local_starts_at: datetime
    confirmed_at: datetime | None


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
    # The exact text this reminder's slot would be sent with now (merged with the steps
    # due at the same time, in the patient's language, active templates); None once it
    # will not be sent.
    text: str | None = None
    # What that text costs in SMS segments (UCS-2 once a letter such as the í of María
    # needs it); each text is kept within SMS_MAX_SEGMENTS when it is sent.
    segments: int | None = None
    # When that text goes out if sent on time: texts of one slot that do not fit together
    # follow each other a minute apart.
    local_sends_at: datetime | None = None


class PendingTextPublic(BaseModel):
    """One text still to go out, as it would be sent now: a step cut to fit
    SMS_MAX_SEGMENTS shows its continuation ("warning_signs~1") as a text of its own."""

    local_sends_at: datetime
    steps: list[str]
    text: str
    segments: int


class ProcedurePublic(BaseModel):
    id: int
    patient_id: int
    status: str
    scheduled_at: datetime
    local_scheduled_at: datetime
    timezone: str
    fasting_starts_at: datetime
    appointments: list[AppointmentPublic]
    reminders: list[ReminderPublic]
    # Every text still to go out, in order, each with its real segment count.
    pending_texts: list[PendingTextPublic] = []


class ProcedureListed(BaseModel):
    id: int
    patient_id: int
    given_name: str
    family_name: str
    status: str
    scheduled_at: datetime
    local_scheduled_at: datetime
    timezone: str


class ReminderListed(BaseModel):
    id: int
    procedure_id: int
    patient_id: int
    step: str
    occurrence: int
    due_at: datetime
    local_due_at: datetime
    timezone: str
    status: str
    status_reason: str | None
    attempts: int
    message_id: int | None
    updated_at: datetime
    # When it goes out: the due time, or the next try after a passing fault.
    next_attempt_at: datetime | None = None


def appointment_public(appointment: Appointment, zone: ZoneInfo) -> AppointmentPublic:
    assert appointment.id is not None
    return AppointmentPublic(
        id=appointment.id,
        procedure_id=appointment.procedure_id,
        kind=appointment.kind,
        status=appointment.status,
        starts_at=appointment.starts_at,
        local_starts_at=appointment.starts_at.astimezone(zone),
        confirmed_at=appointment.confirmed_at,
    )
