"""The timeline plan over HTTP (admin only)."""

import json
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from sqlmodel import Session

from service.auth.deps import AdminKey
from service.config import Settings
from service.deps import NowDep, SessionDep, SettingsDep
from service.openapi import problems
from service.plan_admin import changes, service, versions
from service.plan_admin.schemas import (
    ApplyResult,
    PlanPatch,
    PlanPublic,
    PlanUpdate,
    PlanVersion,
    ProcedureChangePublic,
    StepPublic,
    Window,
)
from service.timeline.active import latest_record
from service.timeline.plan import DEFAULT_PLAN

router = APIRouter(prefix="/v1/plan", tags=["plan"], responses=problems(401, 403, 422))


_PATCH_EXAMPLES = {
    "fasting": {"summary": "Six hours of fasting", "value": {"fasting_hours": 6}},
    "ice": {
        "summary": "Ice texts for five days, at 10:00",
        "value": {"steps": [{"name": "ice", "repeat": 5, "at": "10:00"}]},
    },
}


@router.get("", response_model=PlanPublic, summary="Read the timeline plan")
def get_plan(session: SessionDep, settings: SettingsDep, _: AdminKey) -> PlanPublic:
    return _public(session, settings)


@router.put("", response_model=PlanPublic, summary="Replace the timeline plan")
def put_plan(
    body: PlanUpdate, session: SessionDep, settings: SettingsDep, now: NowDep, key: AdminKey
) -> PlanPublic:
    """Saves a new version; it applies to procedures booked from now on. Use
    `POST /v1/plan/apply-to-pending` to re-plan reminders already scheduled."""
    changes.save(session, settings, body.model_dump(mode="json"), key.subject, now)
    return _public(session, settings)


@router.patch("", response_model=PlanPublic, summary="Change part of the timeline plan")
def patch_plan(
    body: Annotated[PlanPatch, Body(openapi_examples=_PATCH_EXAMPLES)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> PlanPublic:
    """Saves a new version changing only the fields sent."""
    changes.patch(
        session, settings, body.model_dump(mode="json", exclude_unset=True), key.subject, now
    )
    return _public(session, settings)


@router.get("/versions", response_model=list[PlanVersion], summary="List the plan's versions")
def list_versions(session: SessionDep, _: AdminKey) -> list[PlanVersion]:
    """Newest first; version 0 (the default plan) is always there to restore."""
    out = []
    for record in versions.plan_versions(session):
        data = json.loads(record.body)
        out.append(
            PlanVersion(
                version=record.version,
                is_active=record.is_active,
                created_at=record.created_at,
                created_by=record.created_by_name,
                restored_from_version=record.restored_from_version,
                fasting_hours=data["fasting_hours"],
                sending_window=Window(**data["sending_window"]),
            )
        )
    return out


@router.post(
    "/versions/{version}/restore",
    response_model=PlanPublic,
    summary="Restore an earlier plan version",
    responses=problems(404),
)
def restore_version(
    version: Annotated[int, Path(ge=0, le=2_147_483_647, description="0 = the default plan")],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
) -> PlanPublic:
    """Adds a new version with that version's settings; pending reminders follow it once
    applied."""
    changes.restore(session, settings, version, key.subject, now)
    return _public(session, settings)


@router.post("/apply-to-pending", response_model=ApplyResult, summary="Re-plan pending reminders")
def apply_to_pending(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
    dry_run: bool = Query(default=False, description="Report what would change; change nothing"),
    expected_version: int | None = Query(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="The `version` the dry run answered: 409 if another plan was saved since",
    ),
) -> ApplyResult:
    """Re-plans the pending reminders of every scheduled procedure with the active plan
    and lists the procedures whose texts change (time, added, withdrawn or wording).
    Sent reminders stay as they are; a step whose new time has passed is skipped."""
    if dry_run:
        version, report = changes.dry_run(session, settings, now)
    else:
        version = changes.version_in_force(session)
        report = changes.apply_to_pending(
            session, settings, key.subject, now, expected_version=expected_version
        )
    result = ApplyResult(
        dry_run=dry_run,
        version=version,
        procedures=report.procedures,
        procedure_ids=report.procedure_ids,
        reminders_changed=report.reminders_changed,
        reminders_added=report.reminders_added,
        reminders_cancelled=report.reminders_cancelled,
        changes=[
            ProcedureChangePublic.model_validate(c, from_attributes=True) for c in report.changes
        ],
    )
    return result


def _public(session: Session, settings: Settings) -> PlanPublic:
    record = latest_record(session)
    data = versions.current_settings(session, settings)
    return PlanPublic(
        version=record.version if record else 0,
        created_at=record.created_at if record else None,
        created_by_key_id=record.created_by_key_id if record else None,
        created_by=record.created_by_name if record else "",
        restored_from_version=record.restored_from_version if record else None,
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
