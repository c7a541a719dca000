from dataclasses import asdict
from datetime import date

from fastapi import APIRouter, Query

from service.audit.reads import Read, record_read
from service.auth.deps import AdminKey, StaffKey
from service.checkins.listing import check_ins_of
from service.checkins.outcomes import outcome_period, outcomes
from service.checkins.schemas import CheckInPublic, OutcomePublic
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.openapi import problems
from service.procedures.service import load_procedure
from service.timeline.active import active_plan

router = APIRouter(tags=["check-ins"], responses=problems(401, 422))


@router.get(
    "/v1/procedures/{procedure_id}/check-ins",
    response_model=list[CheckInPublic],
    responses={404: {}},
    summary="A procedure's check-in questions and answers",
)
def list_check_ins(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> list[CheckInPublic]:
    """One item per question per time point: status, value, when asked and answered."""
    procedure, patient = load_procedure(session, procedure_id)
    items = check_ins_of(session, procedure, active_plan(settings, session), now)
    record_read(
        session, key.subject, Read.check_ins, at=now, entity_id=procedure_id, patient_id=patient.id
    )
    session.commit()
    return [CheckInPublic(**asdict(item)) for item in items]


@router.get(
    "/v1/outcomes",
    response_model=list[OutcomePublic],
    summary="Outcomes per check-in time point",
)
def list_outcomes(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: AdminKey,
    start: date | None = Query(default=None, alias="from", description="procedures from"),
    end: date | None = Query(default=None, alias="to", description="procedures until"),
) -> list[OutcomePublic]:
    """Admins: per time point, asked, answered, median and change from baseline, for
    procedures on dates from `from` to `to` (clinic dates; default the last year)."""
    starts, ends = outcome_period(start, end, settings.clinic_timezone, now)
    return [OutcomePublic(**asdict(row)) for row in outcomes(session, starts, ends)]
