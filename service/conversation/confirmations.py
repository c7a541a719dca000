"""Confirming a booked visit by text: a reply of C, CONFIRM or CONFIRMAR."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.patients.models import Patient
from service.procedures.appointments import Appointment, AppointmentStatus
from service.procedures.models import Procedure, ProcedureStatus


@dataclass(frozen=True)
class ConfirmedVisit:
    appointment: Appointment
    patient: Patient


def confirm_next_visit(session: Session, phone: str, now: datetime) -> ConfirmedVisit | None:
    """Set `confirmed_at` on the soonest upcoming booked visit of the number's patients.

    None when there is none: the reply then goes to the inbox like any other.
    """
    row = session.exec(
        select(Appointment, Patient)
        .join(Procedure, col(Procedure.id) == col(Appointment.procedure_id))
        .join(Patient, col(Patient.id) == col(Procedure.patient_id))
        .where(
            Patient.phone == phone,
            Procedure.status == ProcedureStatus.scheduled,
            Appointment.status == AppointmentStatus.booked,
            col(Appointment.starts_at) > now,
        )
        .order_by(col(Appointment.starts_at), col(Appointment.id))
        .with_for_update(of=Appointment)
    ).first()
    if row is None:
        return None
    appointment, patient = row
    if appointment.confirmed_at is None:
        appointment.confirmed_at = now
        appointment.updated_at = now
        session.add(appointment)
    return ConfirmedVisit(appointment, patient)
