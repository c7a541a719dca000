"""Booking, moving and cancelling follow-up visits; each change re-plans the timeline
and is audited here, naming who made it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.audit.service import Actor, audit, audit_change
from service.errors import Conflict, InvalidInput, NotFound
from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.changes import LATE_AFTER_RESCHEDULE
from service.procedures.models import Procedure, ProcedureStatus
from service.procedures.reconcile import lock_procedure, reconcile
from service.procedures.service import resolve_scheduled_at
from service.timeline.plan import FollowUpKind, TimelinePlan

VISIT_CHANGED = "a follow-up visit was booked or moved after this reminder's time"


def booked_appointments(session: Session, procedure_id: int) -> list[Appointment]:
    return list(
        session.exec(
            select(Appointment)
            .where(Appointment.procedure_id == procedure_id)
            .order_by(col(Appointment.starts_at), col(Appointment.id))
        )
    )


def get_appointment(session: Session, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"no appointment with id {appointment_id}", field="appointment_id")
    return appointment


def load_visit(session: Session, appointment_id: int) -> tuple[Appointment, Procedure, Patient]:
    """A visit with the procedure and patient it belongs to."""
    appointment = get_appointment(session, appointment_id)
    procedure = session.get(Procedure, appointment.procedure_id)
    patient = session.get(Patient, procedure.patient_id) if procedure else None
    assert procedure is not None and patient is not None  # foreign keys guarantee both
    return appointment, procedure, patient


def book_visit(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    kind: FollowUpKind,
    starts_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Record a booked visit; it replaces the generic "book your visit" text."""
    # Locked first, so two bookings of one kind cannot both pass the check below.
    lock_procedure(session, procedure)
    _require_scheduled(procedure)
    assert procedure.id is not None
    if any(
        a.kind == kind and a.status == AppointmentStatus.booked
        for a in booked_appointments(session, procedure.id)
    ):
        raise Conflict(
            f"a {kind.value} visit is already booked; move it with PATCH instead", field="kind"
        )
    appointment = Appointment(
        procedure_id=procedure.id,
        kind=kind.value,
        starts_at=_visit_instant(procedure, patient, starts_at, plan, now),
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    reconcile(session, procedure, ZoneInfo(patient.timezone), plan, now, VISIT_CHANGED)
    audit(
        session,
        actor,
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
    return appointment


def move_visit(
    session: Session,
    appointment: Appointment,
    procedure: Procedure,
    patient: Patient,
    starts_at: datetime,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Move a booked visit and re-plan the texts around it."""
    lock_procedure(session, procedure)
    session.refresh(appointment)  # as the lock holder left it
    _require_scheduled(procedure)
    if appointment.status != AppointmentStatus.booked:
        raise Conflict("a cancelled visit cannot be moved; book a new one", field="appointment_id")
    was = appointment.starts_at
    appointment.starts_at = _visit_instant(procedure, patient, starts_at, plan, now)
    appointment.updated_at = now
    session.add(appointment)
    reconcile(session, procedure, ZoneInfo(patient.timezone), plan, now, VISIT_CHANGED)
    _audit_change(session, actor, "move", appointment, patient, "starts_at", was, now)
    return appointment


def cancel_visit(
    session: Session,
    appointment: Appointment,
    procedure: Procedure,
    patient: Patient,
    plan: TimelinePlan,
    actor: Actor,
    now: datetime,
) -> Appointment:
    """Cancel a visit; cancelling twice changes nothing."""
    lock_procedure(session, procedure)
    session.refresh(appointment)  # as the lock holder left it
    was = appointment.status
    if was == AppointmentStatus.cancelled:
        return appointment
    appointment.status = AppointmentStatus.cancelled
    appointment.updated_at = now
    session.add(appointment)
    if procedure.status == ProcedureStatus.scheduled:
        # The generic "book your visit" step comes back if it can still help.
        reconcile(session, procedure, ZoneInfo(patient.timezone), plan, now, LATE_AFTER_RESCHEDULE)
    _audit_change(session, actor, "cancel", appointment, patient, "status", was, now)
    return appointment


def _audit_change(
    session: Session,
    actor: Actor,
    action: str,
    appointment: Appointment,
    patient: Patient,
    field: str,
    was: datetime | str,
    now: datetime,
) -> None:
    audit_change(
        session,
        actor,
        action,
        "appointment",
        appointment.id,
        patient.id,
        at=now,
        field=field,
        was=was,
        now_is=getattr(appointment, field),
    )


def _require_scheduled(procedure: Procedure) -> None:
    if procedure.status != ProcedureStatus.scheduled:
        raise Conflict("the procedure is cancelled", field="procedure_id")


def _visit_instant(
    procedure: Procedure, patient: Patient, starts_at: datetime, plan: TimelinePlan, now: datetime
) -> datetime:
    instant = resolve_scheduled_at(starts_at, ZoneInfo(patient.timezone), now, field="starts_at")
    if instant < procedure.scheduled_at + plan.procedure_duration:
        raise InvalidInput("a follow-up visit must be after the procedure", field="starts_at")
    return instant
