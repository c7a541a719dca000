"""FHIR `update` of an Appointment we already hold (`p12` a procedure, `v3` a visit),
through the same use cases as the API: a changed `start` reschedules (or moves the
visit), `cancelled` cancels, `noshow` stops the texts after the procedure."""

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from sqlmodel import Session

from service.intake.fhir.appointments import Refused, read
from service.intake.service import Intake, feed_instant
from service.patients.models import Patient
from service.procedures.appointments import Appointment
from service.procedures.changes import cancel_procedure, record_no_show, reschedule_procedure
from service.procedures.models import Procedure
from service.procedures.visits import cancel_visit, move_visit
from service.validation import record_id

_STATUSES = ("booked", "cancelled", "entered-in-error", "noshow")


def update_appointment(
    session: Session, intake: Intake, appointment_id: str, resource: FhirAppointment
) -> FhirAppointment | None:
    """The appointment as the EHR has it now; None when we hold no such appointment."""
    if resource.id is not None and resource.id != appointment_id:
        raise Refused("the body's id must be the id in the URL", "Appointment.id")
    if resource.status not in _STATUSES:
        raise Refused(
            "status must be booked, cancelled or noshow", "Appointment.status", "not-supported"
        )
    prefix, number = appointment_id[:1], record_id(appointment_id[1:])
    if prefix not in ("p", "v") or number is None:
        return None
    if prefix == "p":
        procedure = session.get(Procedure, number)
        if procedure is None:
            return None
        patient = _participant(session, procedure, resource)
        _update_procedure(session, intake, procedure, patient, resource)
    else:
        visit = session.get(Appointment, number)
        if visit is None:
            return None
        procedure = session.get(Procedure, visit.procedure_id)
        assert procedure is not None  # a foreign key
        patient = _participant(session, procedure, resource)
        _update_visit(session, intake, visit, procedure, patient, resource)
    session.flush()
    found = read(session, intake.settings, appointment_id)
    assert found is not None
    return found[0]


def _participant(session: Session, procedure: Procedure, resource: FhirAppointment) -> Patient:
    """The procedure's patient; an update naming someone else is refused, not moved."""
    patient = session.get(Patient, procedure.patient_id)
    assert patient is not None
    ours = f"Patient/{patient.id}"
    for participant in resource.participant or []:
        reference = participant.actor.reference if participant.actor else None
        if reference and reference.startswith("Patient/") and reference != ours:
            raise Refused(
                f"this appointment is {ours}'s; an update cannot give it to another patient",
                "Appointment.participant.actor",
            )
    return patient


def _update_procedure(
    session: Session,
    intake: Intake,
    procedure: Procedure,
    patient: Patient,
    resource: FhirAppointment,
) -> None:
    if resource.status in ("cancelled", "entered-in-error"):
        cancel_procedure(session, procedure, patient, intake.plan, intake.actor, intake.now)
    elif resource.status == "noshow":
        reason = resource.cancelationReason.text or "" if resource.cancelationReason else ""
        record_no_show(session, procedure, patient, intake.actor, intake.now, reason)
    else:
        if resource.start is None:
            raise Refused("a booked appointment needs its start", "Appointment.start", "required")
        when = feed_instant(resource.start, intake.settings)
        reschedule_procedure(
            session, procedure, patient, when, intake.plan, intake.actor, intake.now
        )


def _update_visit(
    session: Session,
    intake: Intake,
    visit: Appointment,
    procedure: Procedure,
    patient: Patient,
    resource: FhirAppointment,
) -> None:
    if resource.status in ("cancelled", "entered-in-error", "noshow"):
        # A missed follow-up visit has no texts after it to stop: it is simply off.
        cancel_visit(session, visit, procedure, patient, intake.plan, intake.actor, intake.now)
        return
    if resource.start is None:
        raise Refused("a booked appointment needs its start", "Appointment.start", "required")
    when = feed_instant(resource.start, intake.settings)
    if when != visit.starts_at:
        move_visit(session, visit, procedure, patient, when, intake.plan, intake.actor, intake.now)
