"""FHIR R4 `update` at /fhir/R4/: `PUT Patient/{id}`, `PUT Appointment/{id}` and the
conditional forms `PUT Patient?identifier=system|value` (and Appointment's), through the
same domain use cases as the API. Without `If-Match` the EHR's record wins (as from the
HL7 feed); with `If-Match: W/"n"` a record changed since version n answers 412."""

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError
from sqlmodel import Session

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
)
from service.intake.fhir.resources import (
    APPOINTMENT_ELEMENTS,
    PATIENT_ELEMENTS,
    incoming_patient,
    patient_resource,
)
from service.intake.fhir.updates import update_appointment
from service.intake.records import edit_record
from service.intake.service import appointment_known, find_patient, register
from service.patients.models import Patient
from service.validation import record_id, whole_number

router = APIRouter(prefix="/fhir/R4", tags=["FHIR R4"])
_IDENTIFIER = Query(default=None, max_length=120, description="system|value")


def version_tag(patient: Patient) -> dict[str, str]:
    return {"ETag": f'W/"{patient.version}"'}


def _expected_version(if_match: str | None) -> int | None:
    """`W/"3"` (or `"3"`, or `3`) as 3; None without the header."""
    if if_match is None:
        return None
    number = if_match.strip().removeprefix("W/").strip('"')
    version = whole_number(number) if len(number) <= 9 else None
    if version is None:
        raise DomainError('If-Match must be a version, W/"n"', field="if_match")
    return version


def _identifier_value(identifier: str | None, kind: str) -> str:
    if not identifier or not identifier.split("|")[-1].strip():
        raise DomainError(
            f"a conditional update needs identifier=system|value (or PUT {kind}/{{id}})",
            field="identifier",
        )
    return identifier.split("|")[-1].strip()


@router.put("/Patient/{patient_id}", summary="Update a patient (If-Match for a versioned update)")
async def update_patient(
    patient_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    try:
        resource = parse_body(FhirPatient, await request.body(), "Patient")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Patient")
    if resource.id is not None and resource.id != patient_id:
        return refused("the body's id must be the id in the URL", "Patient.id", 400)

    def work() -> Response:
        number = record_id(patient_id)
        found = session.get(Patient, number) if number is not None else None
        if found is None:
            # We do not take ids from clients: create with POST (or a conditional PUT).
            return refused(f"no Patient/{patient_id}", "Patient.id", 404, "not-found")
        return _update(session, settings, key, now, found, resource, if_match)

    return await run_in_threadpool(work)


@router.put("/Patient", summary="Conditional update (or create) by identifier=system|value")
async def update_patient_by_identifier(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    identifier: str | None = _IDENTIFIER,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    try:
        resource = parse_body(FhirPatient, await request.body(), "Patient")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Patient")

    def work() -> Response:
        try:
            mrn = _identifier_value(identifier, "Patient")
        except DomainError as exc:
            return refused(exc.message, "identifier", 400)
        found = find_patient(session, mrn)
        if found is not None:
            return _update(session, settings, key, now, found, resource, if_match)
        person = incoming_patient(resource)
        if person.mrn is None:
            person = replace(person, mrn=mrn)
        if not person.phone:
            return refused("no sms or phone telecom to text", "Patient.telecom", 422, "required")
        try:
            patient, _ = register(session, intake_for(session, settings, key.subject, now), person)
        except DomainError as exc:
            session.rollback()
            return from_domain(exc, PATIENT_ELEMENTS)
        body = patient_resource(patient)
        session.commit()
        headers = {"Location": f"/fhir/R4/Patient/{patient.id}", **version_tag(patient)}
        return answer(body, 201, headers)

    return await run_in_threadpool(work)


def _update(
    session: Session,
    settings: Any,
    key: Any,
    now: Any,
    patient: Patient,
    resource: FhirPatient,
    if_match: str | None,
) -> Response:
    try:
        expected = _expected_version(if_match)
    except DomainError as exc:
        return refused(exc.message, "If-Match", 400)
    person = incoming_patient(resource)
    if not person.phone:
        return refused("no sms or phone telecom to text", "Patient.telecom", 422, "required")
    try:
        result = edit_record(
            session,
            intake_for(session, settings, key.subject, now),
            patient,
            person,
            expected_version=expected,
            replace_mrn=True,
        )
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 412:
            return refused(exc.message, "Patient.meta.versionId", 412, "conflict")
        return from_domain(exc, PATIENT_ELEMENTS)
    body = patient_resource(result.patient)
    session.commit()
    return answer(body, 200, version_tag(result.patient))


@router.put("/Appointment/{appointment_id}", summary="Update an appointment: move or cancel")
async def update_appointment_by_id(
    appointment_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
) -> Response:
    try:
        resource = parse_body(FhirAppointment, await request.body(), "Appointment")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Appointment")

    def work() -> Response:
        intake = intake_for(session, settings, key.subject, now)
        try:
            made = update_appointment(session, intake, appointment_id, resource)
        except appointments.Refused as exc:
            session.rollback()
            return refused(exc.message, exc.expression, 422 if exc.code != "invalid" else 400,
                           exc.code)  # fmt: skip
        except DomainError as exc:
            session.rollback()
            return from_domain(exc, APPOINTMENT_ELEMENTS)
        if made is None:
            return refused(f"no Appointment/{appointment_id}", "Appointment.id", 404, "not-found")
        session.commit()
        return answer(made)

    return await run_in_threadpool(work)


@router.put("/Appointment", summary="Conditional update (or booking) by identifier=system|value")
async def update_appointment_by_identifier(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    key: StaffKey,
    identifier: str | None = _IDENTIFIER,
) -> Response:
    try:
        resource = parse_body(FhirAppointment, await request.body(), "Appointment")
    except (ValidationError, ValueError) as exc:
        return invalid_body(exc, "Appointment")

    def work() -> Response:
        try:
            value = _identifier_value(identifier, "Appointment")
        except DomainError as exc:
            return refused(exc.message, "identifier", 400)
        system = identifier.split("|")[0] if identifier and "|" in identifier else None
        resource.identifier = [Identifier(system=system or None, value=value)]
        intake = intake_for(session, settings, key.subject, now)
        known = appointment_known(session, intake, value)
        try:
            made = appointments.apply(session, intake, resource)
        except appointments.Refused as exc:
            session.rollback()
            return refused(exc.message, exc.expression, 422, exc.code)
        except DomainError as exc:
            session.rollback()
            return from_domain(exc, APPOINTMENT_ELEMENTS)
        session.commit()
        if known:
            return answer(made)
        return answer(made, 201, {"Location": f"/fhir/R4/Appointment/{made.id}"})

    return await run_in_threadpool(work)
