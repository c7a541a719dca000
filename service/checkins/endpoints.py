from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from service.audit.service import record_read
from service.auth.deps import AdminKey, StaffKey
from service.checkins.listing import check_ins_of
from service.checkins.outcomes import outcomes
from service.checkins.schemas import CheckInPublic, OutcomePublic
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.errors import InvalidInput
from service.openapi import problems
from service.procedures.service import load_procedure
from service.timeline.active import active_plan
from service.validation import EARLIEST_YEAR, LATEST_YEAR

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
    record_read(session, key, "check_ins", procedure_id, patient.id, at=now)
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


def outcome_period(
    start: date | None, end: date | None, zone_name: str, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to] as clinic-local days, to instants; 422 when `to` is before `from`."""
    zone = ZoneInfo(zone_name)
    for day, field in ((start, "from"), (end, "to")):
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise InvalidInput(f"must be a date from {EARLIEST_YEAR} to {LATEST_YEAR}", field=field)
    last = end or now.astimezone(zone).date()
    first = start or last - timedelta(days=365)
    if last < first:
        raise InvalidInput("must not be before `from`", field="to")
    return (
        datetime.combine(first, time(0), zone),
        datetime.combine(last + timedelta(days=1), time(0), zone),
    )
