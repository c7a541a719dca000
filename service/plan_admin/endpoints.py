"""The timeline plan over HTTP (admin only)."""

import json
from datetime import datetime, time
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session

from service.audit.service import audit
from service.auth.deps import AdminKey
from service.config import Settings
from service.deps import NowDep, SessionDep, SettingsDep
from service.plan_admin import service
from service.timeline.active import active_plan
from service.timeline.plan import DEFAULT_PLAN

router = APIRouter(prefix="/v1/plan", tags=["plan"])


class Window(BaseModel):
    opens: time = Field(description="Patient-local, e.g. '08:00'")
    closes: time


class StepSetting(BaseModel):
    name: str
    day: int = Field(description="Calendar days from the procedure's local date")
    months: int = 0
    at: time | None = Field(
        description="Local send time; null (after-procedure steps only) = a few hours "
        "after the procedure ends"
    )
    repeat: int = 1
    enabled: bool = True


class PlanUpdate(BaseModel):
    fasting_hours: int
    sending_window: Window
    steps: list[StepSetting] = Field(
        default_factory=list, description="Steps left out keep their default"
    )


class StepPublic(StepSetting):
    phase: str
    why: str


class PlanPublic(BaseModel):
    version: int = Field(description="0 = the default plan (nothing saved yet)")
    created_at: datetime | None
    created_by_key_id: int | None
    fasting_hours: int
    sending_window: Window
    steps: list[StepPublic]


class ApplyReport(BaseModel):
    procedures: int
    reminders_changed: int
    reminders_added: int
    reminders_cancelled: int


@router.get("", response_model=PlanPublic)
def get_plan(session: SessionDep, settings: SettingsDep, _: AdminKey) -> PlanPublic:
    return _public(session, settings)


@router.put("", response_model=PlanPublic, responses={422: {}})
def put_plan(
    body: PlanUpdate, session: SessionDep, settings: SettingsDep, now: NowDep, key: AdminKey
) -> PlanPublic:
    """Saves a new version; it applies to procedures booked from now on. Use
    `POST /v1/plan/apply-to-pending` to re-plan reminders already scheduled."""
    before = _current_json(session, settings)
    record = service.save_plan(session, body.model_dump(mode="json"), key, now)
    audit(
        session,
        key,
        "update",
        "plan",
        record.version,
        at=now,
        fields=service.changed_steps(before, json.loads(record.body)),
        after={"version": record.version},
    )
    session.commit()
    return _public(session, settings)


@router.post("/apply-to-pending", response_model=ApplyReport)
def apply_to_pending(
    session: SessionDep, settings: SettingsDep, now: NowDep, key: AdminKey
) -> ApplyReport:
    """Re-plans the pending reminders of every scheduled procedure with the active plan.
    Sent reminders stay as they are; a step whose new time has passed is skipped."""
    record = service.latest_record(session)
    report = service.apply_to_pending(session, active_plan(settings, session), now)
    audit(
        session,
        key,
        "apply_to_pending",
        "plan",
        record.version if record else 0,
        at=now,
        after={"version": record.version if record else 0, **report},
    )
    session.commit()
    return ApplyReport(**report)


def _current_json(session: Session, settings: Settings) -> dict[str, Any]:
    record = service.latest_record(session)
    if record is None:
        return service.default_settings(settings)
    data: dict[str, Any] = json.loads(record.body)
    return data


def _public(session: Session, settings: Settings) -> PlanPublic:
    record = service.latest_record(session)
    data = _current_json(session, settings)
    return PlanPublic(
        version=record.version if record else 0,
        created_at=record.created_at if record else None,
        created_by_key_id=record.created_by_key_id if record else None,
        fasting_hours=data["fasting_hours"],
        sending_window=Window(**data["sending_window"]),
        steps=[
            StepPublic(
                name=step.name,
                phase=step.phase.value,
                why=step.why,
                # A step added to the code after this plan was saved keeps its default.
                **data["steps"].get(step.name, service.step_json(step)),
            )
            for step in DEFAULT_PLAN.steps
        ],
    )
