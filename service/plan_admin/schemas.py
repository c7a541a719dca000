"""What the /v1/plan routes take and answer: the whole plan, a patch, versions, apply."""

from datetime import datetime, time

from pydantic import BaseModel, ConfigDict, Field


class Window(BaseModel):
    opens: time = Field(description="Patient-local, e.g. '08:00'", examples=["08:00"])
    closes: time = Field(examples=["21:00"])


class StepSetting(BaseModel):
    name: str = Field(examples=["ice"])
    day: int = Field(description="Calendar days from the procedure's local date", examples=[1])
    months: int = 0
    at: time | None = Field(
        description="Local send time; null (after-procedure steps only) = a few hours "
        "after the procedure ends",
        examples=["09:00"],
    )
    repeat: int = 1
    enabled: bool = True


class PlanUpdate(BaseModel):
    """What `GET /v1/plan` answers is accepted as is: `version`, `phase`, `why` and the
    other read-only fields are ignored."""

    fasting_hours: int = Field(examples=[8])
    sending_window: Window
    steps: list[StepSetting] = Field(
        default_factory=list, description="Steps left out keep their default"
    )


class WindowPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opens: time | None = None
    closes: time | None = None


class StepPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    day: int | None = None
    months: int | None = None
    at: time | None = None
    repeat: int | None = None
    enabled: bool | None = None


class PlanPatch(BaseModel):
    """Only the fields sent change; a step's fields left out keep their saved values."""

    model_config = ConfigDict(extra="forbid")

    fasting_hours: int | None = None
    sending_window: WindowPatch | None = None
    steps: list[StepPatch] | None = None


class StepPublic(StepSetting):
    phase: str
    why: str


class PlanPublic(BaseModel):
    version: int = Field(description="0 = the default plan (nothing saved yet)")
    created_at: datetime | None
    created_by_key_id: int | None
    created_by: str = Field(default="", description="The key's or the person's name")
    restored_from_version: int | None = None
    fasting_hours: int
    sending_window: Window
    steps: list[StepPublic]


class PlanVersion(BaseModel):
    version: int
    is_active: bool
    created_at: datetime
    created_by: str
    restored_from_version: int | None
    fasting_hours: int
    sending_window: Window


class ReminderChangePublic(BaseModel):
    reminder_id: int | None = Field(description="null: a reminder that would be added")
    step: str
    occurrence: int
    was_due_at: datetime | None
    due_at: datetime
    was_status: str | None
    status: str
    wording_changed: bool


class ProcedureChangePublic(BaseModel):
    procedure_id: int
    patient_id: int
    timezone: str
    reminders: list[ReminderChangePublic]


class ApplyResult(BaseModel):
    dry_run: bool
    version: int = Field(description="The plan applied (send it back as `expected_version`)")
    procedures: int = Field(description="How many procedures' texts change")
    procedure_ids: list[int]
    reminders_changed: int
    reminders_added: int
    reminders_cancelled: int
    changes: list[ProcedureChangePublic]
