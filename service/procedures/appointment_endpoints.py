from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body

from service.auth.deps import StaffKey
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.openapi import problems
from service.procedures import visits
from service.procedures.schemas import (
    AppointmentBook,
    AppointmentMove,
    AppointmentPublic,
    appointment_public,
)
from service.procedures.service import load_procedure
from service.timeline.active import active_plan

router = APIRouter(tags=["appointments"], responses=problems(401, 422))

_BOOK_EXAMPLES = {
    "wound_check": {
        "summary": "A wound check at 10:30 in the patient's zone",
        "value": {"kind": "wound_check", "starts_at": "2027-03-24T10:30:00"},
    },
    "three_month": {
        "summary": "The 3-month visit at an instant with its offset",
        "value": {"kind": "three_month", "starts_at": "2027-06-15T09:00:00-05:00"},
    },
}


@router.post(
    "/v1/procedures/{procedure_id}/appointments",
    status_code=201,
    response_model=AppointmentPublic,
    responses={404: {}, 409: {}},
    summary="Book a follow-up visit",
)
def book_visit(
    procedure_id: ResourceId,
    body: Annotated[AppointmentBook, Body(openapi_examples=_BOOK_EXAMPLES)],
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> AppointmentPublic:
    """Record a booked follow-up visit; it replaces the generic "book your visit" text."""
    procedure, patient = load_procedure(session, procedure_id)
    plan = active_plan(settings, session)
    appointment = visits.book_visit(
        session, procedure, patient, body.kind, body.starts_at, plan, key.subject, now
    )
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))


@router.patch(
    "/v1/appointments/{appointment_id}",
    response_model=AppointmentPublic,
    responses={404: {}, 409: {}},
    summary="Move a follow-up visit",
)
def move_visit(
    appointment_id: ResourceId,
    body: AppointmentMove,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> AppointmentPublic:
    appointment, procedure, patient = visits.load_visit(session, appointment_id)
    plan = active_plan(settings, session)
    visits.move_visit(
        session, appointment, procedure, patient, body.starts_at, plan, key.subject, now
    )
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))


@router.post(
    "/v1/appointments/{appointment_id}/cancel",
    response_model=AppointmentPublic,
    responses={404: {}},
    summary="Cancel a follow-up visit",
)
def cancel_visit(
    appointment_id: ResourceId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> AppointmentPublic:
    appointment, procedure, patient = visits.load_visit(session, appointment_id)
    plan = active_plan(settings, session)
    visits.cancel_visit(session, appointment, procedure, patient, plan, key.subject, now)
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))
