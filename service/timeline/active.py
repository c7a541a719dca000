"""Which timeline plan is in force: the admins' saved plan, else the default steps with
the clinic's settings."""

import json
from dataclasses import replace
from datetime import time, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.config import Settings
from service.timeline.models import CheckInQuestion, TimelinePlanRecord
from service.timeline.plan import DEFAULT_PLAN, SendingWindow, TimelinePlan


def default_plan(settings: Settings) -> TimelinePlan:
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=settings.fasting_hours,
        procedure_duration=timedelta(minutes=settings.procedure_duration_minutes),
        sending_window=SendingWindow(settings.sending_window_start, settings.sending_window_end),
    )
    return with_clinic_wording(plan, settings)


def with_clinic_wording(plan: TimelinePlan, settings: Settings) -> TimelinePlan:
    """The settings the texts quote (NORMAL_ACTIVITY_WEEKS), whichever plan is in force."""
    return replace(plan, normal_activity_weeks=settings.normal_activity_weeks)


def active_plan(settings: Settings, session: Session) -> TimelinePlan:
    """The newest saved plan (see `PUT /v1/plan`); without one, the default steps with the
    settings' fasting hours and sending window."""
    record = latest_record(session)
    if record is None:
        plan = default_plan(settings)
    else:
        plan = with_clinic_wording(
            plan_from_json(json.loads(record.body), settings, record.version), settings
        )
    return with_check_in_questions(plan, session)


def with_check_in_questions(plan: TimelinePlan, session: Session) -> TimelinePlan:
    """Every check-in time point asks the active questions in their order (the admins'
    list, `check_in_question`); with none active, the check-ins are off. A database
    without the list (never migrated to 0017) keeps the code's two defaults."""
    rows = session.exec(
        select(CheckInQuestion.key, CheckInQuestion.is_active).order_by(
            col(CheckInQuestion.position), col(CheckInQuestion.id)
        )
    ).all()
    if not rows:
        return plan
    keys = tuple(key for key, active in rows if active)
    steps = tuple(
        replace(step, questions=keys or step.questions, enabled=step.enabled and bool(keys))
        if step.is_check_in
        else step
        for step in plan.steps
    )
    return replace(plan, steps=steps)


def active_plan_for_engine(settings: Settings, engine: Engine) -> TimelinePlan:
    """For the worker's `Dispatcher(plan=...)`: reads the saved plan in its own session."""
    with Session(engine) as session:
        return active_plan(settings, session)


def latest_record(session: Session) -> TimelinePlanRecord | None:
    query = (
        select(TimelinePlanRecord)
        .where(col(TimelinePlanRecord.is_active))
        .order_by(col(TimelinePlanRecord.version).desc())
        .limit(1)
    )
    return session.exec(query).first()


def plan_from_json(data: dict[str, Any], settings: Settings, version: int = 0) -> TimelinePlan:
    window = data["sending_window"]
    steps = []
    for step in DEFAULT_PLAN.steps:
        saved = data["steps"].get(step.name)
        if saved is not None:
            step = replace(
                step,
                day=int(saved["day"]),
                months=int(saved["months"]),
                at=None if saved["at"] is None else time.fromisoformat(saved["at"]),
                repeat=int(saved["repeat"]),
                enabled=bool(saved["enabled"]),
            )
        steps.append(step)
    return replace(DEFAULT_PLAN, steps=tuple(steps), version=version).with_settings(
        fasting_hours=int(data["fasting_hours"]),
        procedure_duration=timedelta(minutes=settings.procedure_duration_minutes),
        sending_window=SendingWindow(
            time.fromisoformat(window["opens"]), time.fromisoformat(window["closes"])
        ),
    )
