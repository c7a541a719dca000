"""FHIR R4 at /fhir/R4/: Patient and Appointment over the same domain services as the
API, the console and the HL7 feed. Bearer API keys as for /v1; every answer is
application/fhir+json, every refusal an OperationOutcome whose `expression` names the
element at fault. Changes are audited with the API key's name."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError
from service.intake.fhir import appointments
from service.intake.fhir.answers import (
    answer,
    from_domain,
    intake_for,
    invalid_body,
    parse_body,
    refused,
    searchset,
)
from service.intake.fhir.resources import (
    APPOINTMENT_ELEMENTS,
    MRN_SYSTEM,
    PATIENT_ELEMENTS,
    incoming_patient,
    patient_resource,
)
from service.intake.fhir.search import find_patients
from service.intake.service import find_patient, register
from service.patients.service import get_patient
from service.validation import record_id

router = APIRouter(prefix="/fhir/R4", tags=["FHIR R4"])


@router.get("/metadata", summary="CapabilityStatement: what this server supports")
def metadata(now: NowDep) -> Response:
    patient_search = [
        {
            "name": "identifier",
            "type": "token",
            "documentation": f"system|value; MRNs use {MRN_SYSTEM}",
        },
        {"name": "name", "type": "string"},
        {"name": "birthdate", "type": "date"},
        {"name": "phone", "type": "token"},
    ]
    statement = CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": now.date().isoformat(),
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "implementation": {"description": "mild-reminders", "url": "/fhir/R4"},
            "rest": [
                {
                    "mode": "server",
                    "security": {"description": "Authorization: Bearer <API key>"},
                    "resource": [
                        {
                            "type": "Patient",
                            "interaction": [
                                {"code": c} for c in ("read", "create", "update", "search-type")
                            ],
                            "versioning": "versioned-update",
                            "conditionalCreate": True,
                            "conditionalUpdate": True,
                            "updateCreate": False,
                            "searchParam": patient_search,
                        },
                        {
                            "type": "Appointment",
                            "interaction": [
                                {"code": c} for c in ("read", "create", "update", "search-type")
                            ],
                            "versioning": "no-version",
                            "conditionalUpdate": True,
                            "updateCreate": False,
                            "searchParam": [
                                {"name": "patient", "type": "reference"},
                                {"name": "date", "type": "date"},
                            ],
                        },
                        {
                            "type": "Communication",
                            "interaction": [{"code": c} for c in ("read", "search-type")],
                            "searchParam": [
                                {"name": "patient", "type": "reference"},
                                {"name": "sent", "type": "date"},
                            ],
                        },
                        {
                            "type": "Observation",
                            "interaction": [{"code": c} for c in ("read", "search-type")],
                            "searchParam": [{"name": "patient", "type": "reference"}],
                        },
                    ],
                }
            ],
        }
    )
    return answer(statement)


@router.post(
    "/Patient", status_code=201, summary="Create a patient (conditional with If-None-Exist)"
)
async def create_patient(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    if_none_exist: Annotated[str | None, Header()] = None,
) -> Response:
    try:
        resource = parse_body(FhirPatient, await request.body(), "Patient")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Patient")

    def work() -> Response:
        person = incoming_patient(resource)
        try:
            if if_none_exist:
                found = _conditional(session, if_none_exist)
                if found is not None:
                    return answer(patient_resource(found))
            existing = find_patient(session, person.mrn)
            if existing is not None:
                return refused(
                    f"patient {existing.id} has this MRN", "Patient.identifier", 409, "duplicate"
                )
            if not person.phone:
                return refused(
                    "no sms or phone telecom to text", "Patient.telecom", 422, "required"
                )
            patient, _ = register(session, intake_for(session, settings, key.subject, now), person)
        except DomainError as exc:
            session.rollback()
            return from_domain(exc, PATIENT_ELEMENTS)
        body = patient_resource(patient)
        session.commit()
        return answer(
            body,
            201,
            {"Location": f"/fhir/R4/Patient/{patient.id}", "ETag": f'W/"{patient.version}"'},
        )

    return await run_in_threadpool(work)


def _conditional(session: Session, criteria: str) -> Any:
    name, _, value = criteria.partition("=")
    if name.strip() != "identifier" or not value:
        raise DomainError("If-None-Exist supports identifier=system|value", field="mrn")
    return find_patient(session, value.split("|")[-1])


@router.get("/Patient/{patient_id}", summary="Read a patient")
def read_patient(patient_id: str, session: SessionDep, now: NowDep, key: StaffKey) -> Response:
    number = record_id(patient_id)
    if number is None:
        return refused(f"no Patient/{patient_id}", "Patient.id", 404, "not-found")
    try:
        patient = get_patient(session, number)
    except DomainError as exc:
        return from_domain(exc, PATIENT_ELEMENTS)
    record_read(
        session,
        key.subject,
        Read.patient,
        at=now,
        entity_id=patient.id,
        patient_id=patient.id,
        found_by="fhir",
    )
    body = patient_resource(patient)
    session.commit()
    return answer(body, headers={"ETag": f'W/"{patient.version}"'})


@router.get("/Patient", summary="Search patients by identifier, name, birthdate, phone")
def search_patients(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    identifier: str | None = Query(default=None, max_length=120),
    name: str | None = Query(default=None, max_length=100),
    birthdate: str | None = Query(default=None, max_length=10),
    phone: str | None = Query(default=None, max_length=40),
) -> Response:
    try:
        found = find_patients(session, settings, identifier, name, birthdate, phone)
    except DomainError as exc:
        return from_domain(exc, {"birth_date": "birthdate", "phone": "phone", "q": "name"})
    # A search: its count and the patients shown, never the terms.
    shown = [p.id for p in found]
    record_read(session, key.subject, Read.search, at=now, shown=shown, found_by="fhir")
    bundle = searchset((f"Patient/{p.id}", patient_resource(p)) for p in found)
    session.commit()
    return answer(bundle)


@router.post("/Appointment", status_code=201, summary="Book (or move, or cancel) an appointment")
async def create_appointment(
    request: Request, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> Response:
    try:
        resource = parse_body(FhirAppointment, await request.body(), "Appointment")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Appointment")

    def work() -> Response:
        try:
            made = appointments.apply(
                session, intake_for(session, settings, key.subject, now), resource
            )
        except appointments.Refused as exc:
            session.rollback()
            return refused(exc.message, exc.expression, 422, exc.code)
        except DomainError as exc:
            session.rollback()
            return from_domain(exc, APPOINTMENT_ELEMENTS)
        session.commit()
        return answer(made, 201, {"Location": f"/fhir/R4/Appointment/{made.id}"})

    return await run_in_threadpool(work)


@router.get("/Appointment", summary="A patient's appointments, by date")
def search_appointments(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    patient: str = Query(max_length=40),
    date: list[str] = Query(default=[], max_length=4),
) -> Response:
    number = record_id(patient.removeprefix("Patient/"))
    if number is None:
        return refused("patient must be Patient/{id}", "patient", 400)
    try:
        found = appointments.of_patient(session, settings, number, date)
    except DomainError as exc:
        return refused(exc.message, "date", 400)
    record_read(session, key.subject, Read.procedures, at=now, shown=[number], found_by="fhir")
    bundle = searchset((f"Appointment/{a.id}", a) for a in found)
    session.commit()
    return answer(bundle)


@router.get("/Appointment/{appointment_id}", summary="Read an appointment")
def read_appointment(
    appointment_id: str, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> Response:
    found = appointments.read(session, settings, appointment_id)
    if found is None:
        return refused(f"no Appointment/{appointment_id}", "Appointment.id", 404, "not-found")
    resource, patient_id = found
    record_read(
        session,
        key.subject,
        Read.procedure,
        at=now,
        entity_id=appointment_id,
        patient_id=patient_id,
        found_by="fhir",
    )
    session.commit()
    return answer(resource)
