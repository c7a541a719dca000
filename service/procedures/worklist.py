"""The lists staff work from: a patient's procedures, procedures by date, texts by due time."""

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.auth.principals import StaffPrincipal
from service.deps import NowDep, ResourceId, SessionDep
from service.openapi import LIST_HEADERS, page_headers, problems
from service.patients.service import get_patient
from service.procedures.lists import (
    TEXTS_DUE_HOURS,
    Page,
    ProcedureRow,
    ReminderRow,
    procedures_between,
    procedures_of_patient,
    reminders_by_due_time,
    texts_due,
)
from service.procedures.models import ProcedureStatus, ReminderStatus
from service.procedures.schemas import ProcedureListed, ReminderListed
from service.validation import ClinicalInstant

router = APIRouter(tags=["procedures"], responses=problems(401, 422))


@router.get(
    "/v1/patients/{patient_id}/procedures",
    response_model=list[ProcedureListed],
    summary="List a patient's procedures",
    responses=problems(404),
)
def list_patient_procedures(
    patient_id: ResourceId,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[ProcedureListed]:
    """The latest first; `GET /v1/procedures/{id}` has each one's timeline."""
    get_patient(session, patient_id)
    rows = procedures_of_patient(session, patient_id, limit=limit, offset=offset)
    record_read(session, key.subject, Read.procedures, at=now, shown=[r.patient_id for r in rows])
    return [_procedure(row) for row in rows]


@router.get(
    "/v1/procedures",
    response_model=list[ProcedureListed],
    summary="List procedures by date",
    responses={200: {"headers": LIST_HEADERS}},
)
def list_procedures(
    response: Response,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    starts_from: ClinicalInstant | None = Query(
        default=None,
        alias="from",
        description="Starting at or after (with an offset)",
        examples=["2027-03-16T00:00:00-05:00"],
    ),
    starts_before: ClinicalInstant | None = Query(
        default=None,
        alias="to",
        description="Starting before",
        examples=["2027-03-17T00:00:00-05:00"],
    ),
    status: ProcedureStatus | None = Query(default=None, description="All when left out"),
    limit: int = Query(default=100, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[ProcedureListed]:
    """Earliest first, with each patient's name and local time."""
    page = procedures_between(
        session, starts_from, starts_before, status, limit=limit, offset=offset
    )
    params = {"from": starts_from, "to": starts_before, "status": status, "limit": limit}
    page_headers(response, "/v1/procedures", params, page.total, page.next_offset)
    record_read(
        session, key.subject, Read.procedures, at=now, shown=[p.patient_id for p in page.items]
    )
    return [_procedure(row) for row in page.items]


@router.get(
    "/v1/reminders",
    response_model=list[ReminderListed],
    summary="List reminders by due time",
    responses={200: {"headers": LIST_HEADERS}},
)
def list_reminders(
    response: Response,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    status: ReminderStatus = Query(
        default=ReminderStatus.failed,
        description="e.g. `failed`: texts that could not be sent, with the provider's "
        "reason; `pending`: texts still to go out",
    ),
    due_from: ClinicalInstant | None = Query(
        default=None, description="Due at or after", examples=["2027-03-15T08:00:00-05:00"]
    ),
    due_to: ClinicalInstant | None = Query(default=None, description="Due before"),
    since: ClinicalInstant | None = Query(default=None, description="Changed at or after"),
    limit: int = Query(default=200, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[ReminderListed]:
    """Reminders in one status across every patient, ordered by due time."""
    page = reminders_by_due_time(
        session, status, due_from, due_to, changed_since=since, limit=limit, offset=offset
    )
    params = {
        "status": status,
        "due_from": due_from,
        "due_to": due_to,
        "since": since,
        "limit": limit,
    }
    return _reminders_shown(response, session, key, now, "/v1/reminders", params, page)


@router.get(
    "/v1/reminders/due",
    response_model=list[ReminderListed],
    summary="List the texts due",
    responses={200: {"headers": LIST_HEADERS}},
)
def list_texts_due(
    response: Response,
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    hours: int = Query(default=TEXTS_DUE_HOURS, ge=1, le=24 * 31),
    limit: int = Query(default=200, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> list[ReminderListed]:
    """The texts that go out within `hours` (a due time, or the next try after a passing
    fault), soonest first: the console's Today list "Texts due", one meaning for both."""
    page = texts_due(session, now, hours=hours, limit=limit, offset=offset)
    params = {"hours": hours, "limit": limit}
    return _reminders_shown(response, session, key, now, "/v1/reminders/due", params, page)


def _reminders_shown(
    response: Response,
    session: Session,
    key: StaffPrincipal,
    now: datetime,
    path: str,
    params: Mapping[str, object],
    page: Page[ReminderRow],
) -> list[ReminderListed]:
    """A page of reminders as answered: its paging headers, the read audited, the rows."""
    page_headers(response, path, params, page.total, page.next_offset)
    record_read(
        session, key.subject, Read.reminders, at=now, shown=[r.patient_id for r in page.items]
    )
    return [_reminder(r) for r in page.items]


def _reminder(r: ReminderRow) -> ReminderListed:
    return ReminderListed(
        id=r.id,
        procedure_id=r.procedure_id,
        patient_id=r.patient_id,
        step=r.step,
        occurrence=r.occurrence,
        due_at=r.due_at,
        local_due_at=r.due_at.astimezone(ZoneInfo(r.timezone)),
        timezone=r.timezone,
        status=r.status,
        status_reason=r.status_reason,
        attempts=r.attempts,
        message_id=r.message_id,
        updated_at=r.updated_at,
        next_attempt_at=r.next_attempt_at,
    )


def _procedure(row: ProcedureRow) -> ProcedureListed:
    return ProcedureListed(
        id=row.id,
        patient_id=row.patient_id,
        given_name=row.given_name,
        family_name=row.family_name,
        status=row.status,
        scheduled_at=row.scheduled_at,
        local_scheduled_at=row.scheduled_at.astimezone(ZoneInfo(row.timezone)),
        timezone=row.timezone,
    )
