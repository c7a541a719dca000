from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlmodel import Session

from service.audit.service import audit
from service.auth.deps import StaffKey
from service.config import Settings
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures import service
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure
from service.procedures.schemas import (
    AppointmentPublic,
    ProcedurePublic,
    ProcedureSchedule,
    ReminderPublic,
)
from service.procedures.visits import booked_appointments
from service.timeline.active import active_plan
from service.timeline.planner import fasting_starts_at

router = APIRouter(tags=["procedures"])


@router.post(
    "/v1/patients/{patient_id}/procedures",
    status_code=201,
    response_model=ProcedurePublic,
    responses={404: {}},
)
def schedule_procedure(
    patient_id: ResourceId,
    body: ProcedureSchedule,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> ProcedurePublic:
    patient = get_patient(session, patient_id)
    procedure = service.schedule_procedure(
        session, patient, body.scheduled_at, active_plan(settings, session), now
    )
    audit(
        session,
        key,
        "create",
        "procedure",
        procedure.id,
        patient.id,
        at=now,
        after={"scheduled_at": procedure.scheduled_at, "status": procedure.status},
    )
    session.commit()
    return _public(session, procedure, patient, settings)


@router.get("/v1/procedures/{procedure_id}", response_model=ProcedurePublic, responses={404: {}})
def get_procedure(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, _: StaffKey
) -> ProcedurePublic:
    procedure = service.get_procedure(session, procedure_id)
    return _public(session, procedure, get_patient(session, procedure.patient_id), settings)


@router.patch(
    "/v1/procedures/{procedure_id}", response_model=ProcedurePublic, responses={404: {}, 409: {}}
)
def reschedule_procedure(
    procedure_id: ResourceId,
    body: ProcedureSchedule,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> ProcedurePublic:
    procedure = service.get_procedure(session, procedure_id)
    patient = get_patient(session, procedure.patient_id)
    was = procedure.scheduled_at
    service.reschedule_procedure(
        session, procedure, patient, body.scheduled_at, active_plan(settings, session), now
    )
    if procedure.scheduled_at != was:
        audit(
            session,
            key,
            "reschedule",
            "procedure",
            procedure.id,
            patient.id,
            at=now,
            before={"scheduled_at": was},
            after={"scheduled_at": procedure.scheduled_at},
        )
    session.commit()
    return _public(session, procedure, patient, settings)


@router.post(
    "/v1/procedures/{procedure_id}/cancel", response_model=ProcedurePublic, responses={404: {}}
)
def cancel_procedure(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> ProcedurePublic:
    procedure = service.get_procedure(session, procedure_id)
    patient = get_patient(session, procedure.patient_id)
    was = procedure.status
    service.cancel_procedure(session, procedure, patient, active_plan(settings, session), now)
    if procedure.status != was:
        audit(
            session,
            key,
            "cancel",
            "procedure",
            procedure.id,
            patient.id,
            at=now,
            before={"status": was},
            after={"status": procedure.status},
        )
    session.commit()
    return _public(session, procedure, patient, settings)


def _public(
    session: Session, procedure: Procedure, patient: Patient, settings: Settings
) -> ProcedurePublic:
    zone = ZoneInfo(patient.timezone)
    assert procedure.id is not None
    return ProcedurePublic(
        id=procedure.id,
        patient_id=procedure.patient_id,
        status=procedure.status,
        scheduled_at=procedure.scheduled_at,
        local_scheduled_at=procedure.scheduled_at.astimezone(zone),
        timezone=patient.timezone,
        fasting_starts_at=fasting_starts_at(active_plan(settings, session), procedure.scheduled_at),
        appointments=[
            appointment_public(a, zone) for a in booked_appointments(session, procedure.id)
        ],
        reminders=[
            ReminderPublic(
                id=r.id or 0,
                step=r.step,
                occurrence=r.occurrence,
                due_at=r.due_at,
                local_due_at=r.due_at.astimezone(zone),
                status=r.status,
                status_reason=r.status_reason,
                attempts=r.attempts,
                message_id=r.message_id,
            )
            for r in service.reminders_of(session, procedure.id)
        ],
    )


def appointment_public(appointment: Appointment, zone: ZoneInfo) -> AppointmentPublic:
    assert appointment.id is not None
    return AppointmentPublic(
        id=appointment.id,
        procedure_id=appointment.procedure_id,
        kind=appointment.kind,
        status=appointment.status,
        starts_at=appointment.starts_at,
        local_starts_at=appointment.starts_at.astimezone(zone),
        confirmed_at=appointment.confirmed_at,
    )
