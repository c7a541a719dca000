from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response
from sqlmodel import Session

from service.auth.deps import StaffKey
from service.config import Settings
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep, json_answer
from service.openapi import problems
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures import changes, service
from service.procedures.appointments import Appointment
from service.procedures.lists import reminders_in_due_order
from service.procedures.models import Procedure
from service.procedures.new_reminders import InsertedReminder
from service.procedures.schemas import (
    PendingTextPublic,
    ProcedurePublic,
    ProcedureSchedule,
    ReminderPublic,
    appointment_public,
)
from service.procedures.visits import booked_appointments
from service.procedures.wording import SlotText, reminder_texts
from service.timeline.active import active_plan
from service.timeline.plan import TimelinePlan
from service.timeline.planner import fasting_starts_at

router = APIRouter(tags=["procedures"], responses=problems(401, 422))


@router.post(
    "/v1/patients/{patient_id}/procedures",
    status_code=201,
    response_model=ProcedurePublic,
    responses={404: {}},
    summary="Book a procedure and plan its texts",
)
def schedule_procedure(
    patient_id: ResourceId,
    body: ProcedureSchedule,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> Response:
    patient = get_patient(session, patient_id)
    plan = active_plan(settings, session)
    procedure, reminders = service.book_procedure(
        session, patient, body.scheduled_at, plan, key.subject, now
    )
    # Built inside the transaction from the reminders as inserted (each text composed
    # once, nothing read back), then committed: a failed commit is still an error, never
    # a 201 for nothing.
    public = _public(
        session, settings, procedure, patient, plan, appointments=[], reminders=reminders
    )
    session.commit()
    return json_answer(public, 201)


@router.get(
    "/v1/procedures/{procedure_id}",
    response_model=ProcedurePublic,
    responses={404: {}},
    summary="Read a procedure and its timeline",
)
def get_procedure(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> ProcedurePublic:
    procedure, patient = service.read_procedure(session, key.subject, procedure_id, now)
    public = _public(session, settings, procedure, patient, active_plan(settings, session))
    return public


@router.patch(
    "/v1/procedures/{procedure_id}",
    response_model=ProcedurePublic,
    responses={404: {}, 409: {}},
    summary="Move a procedure",
)
def reschedule_procedure(
    procedure_id: ResourceId,
    body: ProcedureSchedule,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> ProcedurePublic:
    procedure, patient = service.load_procedure(session, procedure_id)
    plan = active_plan(settings, session)
    changes.reschedule_procedure(
        session, procedure, patient, body.scheduled_at, plan, key.subject, now
    )
    public = _public(session, settings, procedure, patient, plan)
    session.commit()
    return public


@router.post(
    "/v1/procedures/{procedure_id}/cancel",
    response_model=ProcedurePublic,
    responses={404: {}},
    summary="Cancel a procedure",
)
def cancel_procedure(
    procedure_id: ResourceId, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> ProcedurePublic:
    procedure, patient = service.load_procedure(session, procedure_id)
    plan = active_plan(settings, session)
    changes.cancel_procedure(session, procedure, patient, plan, key.subject, now)
    public = _public(session, settings, procedure, patient, plan)
    session.commit()
    return public


def _public(
    session: Session,
    settings: Settings,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    *,
    appointments: list[Appointment] | None = None,
    reminders: list[InsertedReminder] | None = None,
) -> ProcedurePublic:
    """`plan` is the one the request used; `appointments` and `reminders` may be passed
    when known (a procedure just scheduled: none, and the ones inserted), else read."""
    zone = ZoneInfo(patient.timezone)
    assert procedure.id is not None
    known_visits = appointments is not None
    if appointments is None:
        appointments = booked_appointments(session, procedure.id)
    in_due_order = (
        sorted(reminders, key=lambda r: (r.due_at, r.id or 0)) if reminders is not None else None
    )
    by_reminder, slots = reminder_texts(
        session,
        settings,
        procedure,
        patient,
        plan,
        reminders=in_due_order,
        visits=appointments if known_visits else None,
    )
    return ProcedurePublic(
        id=procedure.id,
        patient_id=procedure.patient_id,
        status=procedure.status,
        scheduled_at=procedure.scheduled_at,
        local_scheduled_at=procedure.scheduled_at.astimezone(zone),
        timezone=patient.timezone,
        fasting_starts_at=fasting_starts_at(plan, procedure.scheduled_at),
        appointments=[appointment_public(a, zone) for a in appointments],
        reminders=_reminders_public(session, procedure.id, zone, by_reminder, in_due_order),
        pending_texts=[
            PendingTextPublic(
                local_sends_at=slot.due_at.astimezone(zone),
                steps=list(slot.steps),
                text=slot.text.body,
                segments=slot.segments,
            )
            for slot in slots
        ],
    )


def _reminders_public(
    session: Session,
    procedure_id: int,
    zone: ZoneInfo,
    texts: dict[int, SlotText | None],
    known: list[InsertedReminder] | None = None,
) -> list[ReminderPublic]:
    rows = known if known is not None else reminders_in_due_order(session, procedure_id)
    return [
        ReminderPublic(
            id=r.id,
            step=r.step,
            occurrence=r.occurrence,
            due_at=r.due_at,
            local_due_at=r.due_at.astimezone(zone),
            status=r.status,
            status_reason=r.status_reason,
            attempts=r.attempts,
            message_id=r.message_id,
            text=slot.text.body if slot else None,
            segments=slot.segments if slot else None,
            local_sends_at=slot.due_at.astimezone(zone) if slot else None,
        )
        # In `reminders_of` order (by due time), just the columns the answer shows.
        for r in rows
        for slot in [texts.get(r.id or 0)]
    ]
