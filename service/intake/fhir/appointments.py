"""A FHIR Appointment applied through the intake use cases: `booked` books (a known
identifier with a changed `start` reschedules), `cancelled` cancels, `noshow` stops the
texts after the procedure. The appointment type or service type coding maps as for HL7."""

import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.codeableconcept import CodeableConcept
from sqlmodel import Session

from service.config import Settings
from service.errors import InvalidInput, NotFound
from service.intake.fhir.resources import appointment_resource
from service.intake.mapping import AppointmentMapping, Coded
from service.intake.service import Intake, book, cancel, find_patient, no_show
from service.patients.models import Patient
from service.patients.service import get_patient
from service.procedures.appointments import Appointment
from service.procedures.lists import procedures_of_patient
from service.procedures.models import Procedure, ProcedureStatus
from service.procedures.visits import booked_appointments
from service.validation import record_id

VISIT_MINUTES = 30


class Refused(Exception):
    def __init__(self, message: str, expression: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message, self.expression, self.code = message, expression, code


def apply(session: Session, intake: Intake, resource: FhirAppointment) -> FhirAppointment:
    patient = _patient(session, resource)
    external_id = (
        next((i.value for i in resource.identifier or [] if i.value), None)
        or f"fhir-{uuid.uuid4()}"
    )
    if resource.status in ("cancelled", "entered-in-error"):
        done = cancel(session, intake, external_id)
    elif resource.status == "noshow":
        done = no_show(
            session,
            intake,
            external_id,
            resource.cancelationReason.text or "" if resource.cancelationReason else "",
        )
    elif resource.status == "booked":
        service, reason = _codes(resource)
        kind = AppointmentMapping(intake.settings).kind_of(service, reason)
        if kind is None:
            raise Refused(
                "not a MILD appointment: no mapped code in serviceType or appointmentType",
                "Appointment.serviceType",
                "not-supported",
            )
        if resource.start is None:
            raise Refused("a booked appointment needs its start", "Appointment.start", "required")
        done = book(session, intake, patient, kind, external_id, resource.start)
    else:
        raise Refused(
            "status must be booked, cancelled or noshow", "Appointment.status", "not-supported"
        )
    if done.procedure_id is None:
        raise Refused(done.text, "Appointment.identifier", "not-found")
    session.flush()
    wanted = f"v{done.appointment_id}" if done.appointment_id else f"p{done.procedure_id}"
    found = read(session, intake.settings, wanted)
    assert found is not None
    return found[0]


def _patient(session: Session, resource: FhirAppointment) -> Patient:
    for participant in resource.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        if actor.reference and actor.reference.startswith("Patient/"):
            number = record_id(actor.reference.split("/", 1)[1])
            if number is not None:
                try:
                    return get_patient(session, number)
                except NotFound:
                    break
        if actor.identifier is not None and actor.identifier.value:
            found = find_patient(session, actor.identifier.value)
            if found is not None:
                return found
    raise Refused(
        "the participant must be one of our patients (Patient/{id} or its MRN identifier)",
        "Appointment.participant.actor",
        "not-found",
    )


def _codes(resource: FhirAppointment) -> tuple[list[Coded], list[Coded]]:
    """(serviceType and appointmentType: what is booked, reasonCode and description: why),
    as the mapping weighs them."""
    service = list(resource.serviceType or [])
    if resource.appointmentType is not None:
        service.append(resource.appointmentType)
    reason = [_coded(c) for c in resource.reasonCode or []]
    if resource.description:
        reason.append([Coded(text=resource.description)])
    return [c for concept in service for c in _coded(concept)], [c for r in reason for c in r]


def _coded(concept: CodeableConcept) -> list[Coded]:
    found = [Coded(c.code or "", c.display or "", c.system or "") for c in concept.coding or []]
    return [*found, Coded(text=concept.text)] if concept.text else found


def read(
    session: Session, settings: Settings, appointment_id: str
) -> tuple[FhirAppointment, int] | None:
    """`p12` is procedure 12, `v3` booked visit 3."""
    prefix, number = appointment_id[:1], record_id(appointment_id[1:])
    if prefix not in ("p", "v") or number is None:
        return None
    if prefix == "p":
        procedure = session.get(Procedure, number)
        if procedure is None:
            return None
        patient = session.get(Patient, procedure.patient_id)
        assert patient is not None
        status = "booked" if procedure.status == ProcedureStatus.scheduled else "cancelled"
        minutes = int(timedelta(minutes=settings.procedure_duration_minutes).total_seconds() // 60)
        resource = appointment_resource(
            appointment_id,
            status,
            procedure.scheduled_at,
            minutes,
            patient.id or 0,
            "procedure",
            ZoneInfo(patient.timezone),
        )
        return resource, patient.id or 0
    visit = session.get(Appointment, number)
    if visit is None:
        return None
    procedure = session.get(Procedure, visit.procedure_id)
    assert procedure is not None
    patient = session.get(Patient, procedure.patient_id)
    assert patient is not None
    status = "booked" if visit.status == "booked" else "cancelled"
    resource = appointment_resource(
        appointment_id,
        status,
        visit.starts_at,
        VISIT_MINUTES,
        patient.id or 0,
        visit.kind,
        ZoneInfo(patient.timezone),
    )
    return resource, patient.id or 0


def of_patient(
    session: Session, settings: Settings, patient_id: int, dates: list[str]
) -> list[FhirAppointment]:
    """The patient's procedures and visits, filtered by `date` (ge/gt/le/lt/eq a day)."""
    found: list[FhirAppointment] = []
    for row in procedures_of_patient(session, patient_id):
        for wanted in (f"p{row.id}", *(f"v{v.id}" for v in booked_appointments(session, row.id))):
            read_back = read(session, settings, wanted)
            if read_back is not None:
                found.append(read_back[0])
    return [a for a in found if all(_on(a, value) for value in dates)]


def _on(appointment: FhirAppointment, value: str) -> bool:
    prefix, day = (
        (value[:2], value[2:]) if value[:2] in ("ge", "gt", "le", "lt", "eq") else ("eq", value)
    )
    try:
        wanted = date.fromisoformat(day[:10])
    except ValueError:
        raise InvalidInput("date must be a day, e.g. ge2027-03-01", field="date") from None
    start = appointment.start
    assert start is not None
    local = start.date()
    return {
        "ge": local >= wanted,
        "gt": local > wanted,
        "le": local <= wanted,
        "lt": local < wanted,
        "eq": local == wanted,
    }[prefix]
