from zoneinfo import ZoneInfo

from fastapi import APIRouter

from service.audit.service import audit
from service.auth.deps import StaffKey
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.patients.service import get_patient
from service.procedures import visits
from service.procedures.endpoints import appointment_public
from service.procedures.schemas import AppointmentBook, AppointmentMove, AppointmentPublic
from service.procedures.service import get_procedure
from service.timeline.active import active_plan

router = APIRouter(tags=["appointments"])


@router.post(
    "/v1/procedures/{procedure_id}/appointments",
    status_code=201,
    response_model=AppointmentPublic,
    responses={404: {}, 409: {}},
)
def book_visit(
    procedure_id: ResourceId,
    body: AppointmentBook,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> AppointmentPublic:
    """Record a booked follow-up visit; it replaces the generic "book your visit" text."""
    procedure = get_procedure(session, procedure_id)
    patient = get_patient(session, procedure.patient_id)
    appointment = visits.book_visit(
        session, procedure, patient, body.kind, body.starts_at, active_plan(settings, session), now
    )
    audit(
        session,
        key,
        "create",
        "appointment",
        appointment.id,
        patient.id,
        at=now,
        after={
            "procedure_id": procedure.id,
            "kind": appointment.kind,
            "starts_at": appointment.starts_at,
        },
    )
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))


@router.patch(
    "/v1/appointments/{appointment_id}",
    response_model=AppointmentPublic,
    responses={404: {}, 409: {}},
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
    was = appointment.starts_at
    visits.move_visit(
        session,
        appointment,
        procedure,
        patient,
        body.starts_at,
        active_plan(settings, session),
        now,
    )
    audit(
        session,
        key,
        "move",
        "appointment",
        appointment.id,
        patient.id,
        at=now,
        before={"starts_at": was},
        after={"starts_at": appointment.starts_at},
    )
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))


@router.post(
    "/v1/appointments/{appointment_id}/cancel",
    response_model=AppointmentPublic,
    responses={404: {}},
)
def cancel_visit(
    appointment_id: ResourceId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> AppointmentPublic:
    appointment, procedure, patient = visits.load_visit(session, appointment_id)
    was = appointment.status
    visits.cancel_visit(
        session, appointment, procedure, patient, active_plan(settings, session), now
    )
    audit(
        session,
        key,
        "cancel",
        "appointment",
        appointment.id,
        patient.id,
        at=now,
        before={"status": was},
        after={"status": appointment.status},
    )
    session.commit()
    return appointment_public(appointment, ZoneInfo(patient.timezone))
