"""Which timeline plan is in force: the admins' saved plan, else the default steps with
the clinic's settings."""

import json
from dataclasses import replace
from datetime import time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, literal_column, true, union_all
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from service.config import Settings
from service.timeline.models import CheckInQuestion, TimelinePlanRecord
from service.timeline.plan import DEFAULT_PLAN, SendingWindow, TimelinePlan


def default_plan(settings: Settings) -> TimelinePlan:
    return _default_plan(
        settings.fasting_hours,
        settings.procedure_duration_minutes,
        settings.sending_window_start,
        settings.sending_window_end,
        settings.normal_activity_weeks,
    )


# A plan is a frozen value made from a few settings (and a saved version's JSON): built
# once per combination, not on every booking and every feed message.
@lru_cache(maxsize=16)
def _default_plan(
    fasting_hours: int,
    duration_minutes: int,
    window_start: time,
    window_end: time,
    normal_activity_weeks: str,
) -> TimelinePlan:
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=fasting_hours,
        procedure_duration=timedelta(minutes=duration_minutes),
        sending_window=SendingWindow(window_start, window_end),
    )
    return replace(plan, normal_activity_weeks=normal_activity_weeks)


def with_clinic_wording(plan: TimelinePlan, settings: Settings) -> TimelinePlan:
    """The settings the texts quote (NORMAL_ACTIVITY_WEEKS), whichever plan is in force."""
    return replace(plan, normal_activity_weeks=settings.normal_activity_weeks)


# One statement, built once (a statement is an immutable value; building it and its cache
# key on every booking and feed message cost more than running it).
_NEWEST_SAVED = (
    select(TimelinePlanRecord.version, TimelinePlanRecord.body)
    .where(col(TimelinePlanRecord.is_active))
    .order_by(col(TimelinePlanRecord.version).desc())
    .limit(1)
    .subquery()
)
# kind 0: the newest saved plan (if any); kind 1: each question, in the admins' order.
_IN_FORCE = union_all(
    select_columns(
        literal_column("0").label("kind"),
        _NEWEST_SAVED.c.version.label("place"),
        literal_column("0").label("row_id"),
        _NEWEST_SAVED.c.body.label("words"),
        true().label("active"),
    ),
    select_columns(
        literal_column("1"),
        col(CheckInQuestion.position),
        col(CheckInQuestion.id),
        col(CheckInQuestion.key),
        col(CheckInQuestion.is_active),
    ),
).order_by("kind", "place", "row_id")


def active_plan(settings: Settings, session: Session) -> TimelinePlan:
    """The newest saved plan (see `PUT /v1/plan`); without one, the default steps with the
    settings' fasting hours and sending window; its check-ins ask the active questions.

    Read on every change (a plan or a question saved a moment ago applies to the next
    booking), in one statement (the plan's version and JSON, and the questions, as plain
    columns), and worked out once per saved body and list of questions."""
    saved: tuple[int, str] | None = None
    questions: list[tuple[str, bool]] = []
    for kind, place, _, words, active in session.execute(_IN_FORCE):
        if kind == 0:
            saved = (place, words)
        else:
            questions.append((words, bool(active)))
    if saved is None:
        plan = default_plan(settings)
    else:
        plan = _saved_plan(
            saved[1], saved[0], settings.procedure_duration_minutes, settings.normal_activity_weeks
        )
    return _asking(plan, tuple(questions))


@lru_cache(maxsize=16)
def _saved_plan(
    body: str, version: int, duration_minutes: int, normal_activity_weeks: str
) -> TimelinePlan:
    plan = _plan_from_data(json.loads(body), duration_minutes, version)
    return replace(plan, normal_activity_weeks=normal_activity_weeks)


def with_check_in_questions(plan: TimelinePlan, session: Session) -> TimelinePlan:
    """Every check-in time point asks the active questions in their order (the admins'
    list, `check_in_question`); with none active, the check-ins are off. A database
    without the list (never migrated to 0017) keeps the code's two defaults."""
    rows = session.exec(
        select(CheckInQuestion.key, CheckInQuestion.is_active).order_by(
            col(CheckInQuestion.position), col(CheckInQuestion.id)
        )
    ).all()
    return _asking(plan, tuple((key, bool(active)) for key, active in rows))


@lru_cache(maxsize=64)
def _asking(plan: TimelinePlan, questions: tuple[tuple[str, bool], ...]) -> TimelinePlan:
    """`plan` with its check-ins asking `questions` (key, active) in order: the same plan
    object for the same inputs, so texts composed for it share their cached facts."""
    if not questions:
        return plan
    keys = tuple(key for key, active in questions if active)
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
    return _plan_from_data(data, settings.procedure_duration_minutes, version)


def _plan_from_data(data: dict[str, Any], duration_minutes: int, version: int) -> TimelinePlan:
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
        procedure_duration=timedelta(minutes=duration_minutes),
        sending_window=SendingWindow(
            time.fromisoformat(window["opens"]), time.fromisoformat(window["closes"])
        ),
    )
