"""FHIR R4 at /fhir/R4/: Patient and Appointment over the same domain services as the
API, the console and the HL7 feed. Bearer API keys as for /v1; every answer is
application/fhir+json, every refusal an OperationOutcome whose `expression` names the
element at fault. Changes are audited with the API key's name."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.auth.deps import StaffKey
from service.deps import NowDep, SessionDep, SettingsDep
from service.errors import DomainError
from service.intake.fhir import appointments, communications, observations
from service.intake.fhir.resources import (
    APPOINTMENT_ELEMENTS,
    FHIR_JSON,
    MRN_SYSTEM,
    PATIENT_ELEMENTS,
    incoming_patient,
    outcome,
    patient_resource,
)
from service.intake.fhir.search import find_patients
from service.intake.service import Intake, find_patient, register
from service.messaging.models import Message
from service.patients.service import get_patient
from service.timeline.active import active_plan

router = APIRouter(prefix="/fhir/R4", tags=["FHIR R4"])
T = TypeVar("T")


def answer(resource: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = resource.model_dump_json(exclude_none=True)
    return Response(body, status_code=status, media_type=FHIR_JSON, headers=headers)


def refused(message: str, expression: str | None, status: int, code: str = "invalid") -> Response:
    return answer(outcome(message, expression, code), status)


def _from_domain(exc: DomainError, elements: dict[str, str]) -> Response:
    codes = {404: "not-found", 409: "duplicate", 412: "conflict"}
    return refused(
        exc.message,
        elements.get(exc.field or ""),
        exc.status_code,
        codes.get(exc.status_code, "business-rule"),
    )


def _parse(model: Callable[..., T], raw: bytes, kind: str) -> T:
    """The body as a FHIR resource; ValidationError names the element (Patient.birthDate)."""
    data = json.loads(raw or b"null")
    if not isinstance(data, dict) or data.get("resourceType") != kind:
        raise ValueError(f"the body must be a FHIR {kind} resource")
    return model(**data)


def _invalid_body(exc: Exception, kind: str) -> Response:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
        return refused(f"{path}: {error['msg']}", f"{kind}.{path}" if path else kind, 400)
    return refused(str(exc) if isinstance(exc, ValueError) else "unreadable body", kind, 400)


def _intake(session: Session, settings: Any, key: Any, now: datetime) -> Intake:
    return Intake(settings, active_plan(settings, session), "fhir", "fhir", key, now)


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
        resource = _parse(FhirPatient, await request.body(), "Patient")
    except (ValidationError, ValueError) as exc:
        return _invalid_body(exc, "Patient")

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
            patient, _ = register(session, _intake(session, settings, key.subject, now), person)
        except DomainError as exc:
            session.rollback()
            return _from_domain(exc, PATIENT_ELEMENTS)
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
    if not patient_id.isdigit() or int(patient_id) > 2_147_483_647:
        return refused(f"no Patient/{patient_id}", "Patient.id", 404, "not-found")
    try:
        patient = get_patient(session, int(patient_id))
    except DomainError as exc:
        return _from_domain(exc, PATIENT_ELEMENTS)
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
        return _from_domain(exc, {"birth_date": "birthdate", "phone": "phone", "q": "name"})
    # A search: its count and the patients shown, never the terms.
    shown = [p.id for p in found]
    record_read(session, key.subject, Read.search, at=now, shown=shown, found_by="fhir")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"Patient/{p.id}",
                    "resource": patient_resource(p).model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for p in found
            ],
        }
    )
    session.commit()
    return answer(bundle)


@router.post("/Appointment", status_code=201, summary="Book (or move, or cancel) an appointment")
async def create_appointment(
    request: Request, session: SessionDep, settings: SettingsDep, now: NowDep, key: StaffKey
) -> Response:
    try:
        resource = _parse(FhirAppointment, await request.body(), "Appointment")
    except (ValidationError, ValueError) as exc:
        return _invalid_body(exc, "Appointment")

    def work() -> Response:
        try:
            made = appointments.apply(
                session, _intake(session, settings, key.subject, now), resource
            )
        except appointments.Refused as exc:
            session.rollback()
            return refused(exc.message, exc.expression, 422, exc.code)
        except DomainError as exc:
            session.rollback()
            return _from_domain(exc, APPOINTMENT_ELEMENTS)
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
    number = patient.removeprefix("Patient/")
    if not number.isdigit() or int(number) > 2_147_483_647:
        return refused("patient must be Patient/{id}", "patient", 400)
    try:
        found = appointments.of_patient(session, settings, int(number), date)
    except DomainError as exc:
        return refused(exc.message, "date", 400)
    record_read(session, key.subject, Read.procedures, at=now, shown=[int(number)], found_by="fhir")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"Appointment/{a.id}",
                    "resource": a.model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for a in found
            ],
        }
    )
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


@router.get("/Communication/{message_id}", summary="Read one text out or reply in")
def read_communication(
    message_id: str, session: SessionDep, now: NowDep, key: StaffKey
) -> Response:
    message = (
        session.get(Message, int(message_id))
        if message_id.isdigit() and int(message_id) <= 2_147_483_647
        else None
    )
    if message is None or message.patient_id is None:
        return refused(f"no Communication/{message_id}", "Communication.id", 404, "not-found")
    record_read(
        session,
        key.subject,
        Read.messages,
        at=now,
        entity_id=message.id,
        patient_id=message.patient_id,
        found_by="fhir",
    )
    body = communications.communication(message)
    session.commit()
    return answer(body)


@router.get("/Communication", summary="Texts and replies by patient and date sent")
def search_communications(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    patient: str | None = Query(default=None, max_length=40),
    sent: list[str] = Query(default=[], max_length=4),
) -> Response:
    number = patient.removeprefix("Patient/") if patient else None
    if number is not None and (not number.isdigit() or int(number) > 2_147_483_647):
        return refused("patient must be Patient/{id}", "patient", 400)
    try:
        found = communications.find(session, int(number) if number else None, sent)
    except DomainError as exc:
        return refused(exc.message, "sent", 400)
    shown = [m.patient_id for m in found]
    record_read(session, key.subject, Read.messages, at=now, shown=shown, found_by="fhir")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"Communication/{m.id}",
                    "resource": communications.communication(m).model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for m in found
            ],
        }
    )
    session.commit()
    return answer(bundle)


@router.get("/Observation/{answer_id}", summary="Read one recovery check-in answer")
def read_observation(answer_id: str, session: SessionDep, now: NowDep, key: StaffKey) -> Response:
    found = (
        observations.get(session, int(answer_id))
        if answer_id.isdigit() and int(answer_id) <= 2_147_483_647
        else None
    )
    if found is None:
        return refused(f"no Observation/{answer_id}", "Observation.id", 404, "not-found")
    record_read(
        session,
        key.subject,
        Read.check_ins,
        at=now,
        entity_id=found.id,
        patient_id=found.patient_id,
        found_by="fhir",
    )
    body = observations.observation(found, observations.kind_of(session, found.question))
    session.commit()
    return answer(body)


@router.get("/Observation", summary="Recovery check-in answers by patient")
def search_observations(
    session: SessionDep,
    now: NowDep,
    key: StaffKey,
    patient: str | None = Query(default=None, max_length=40),
) -> Response:
    number = patient.removeprefix("Patient/") if patient else None
    if number is not None and (not number.isdigit() or int(number) > 2_147_483_647):
        return refused("patient must be Patient/{id}", "patient", 400)
    found = observations.find(session, int(number) if number else None)
    shown = [a.patient_id for a in found]
    record_read(session, key.subject, Read.check_ins, at=now, shown=shown, found_by="fhir")
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"Observation/{a.id}",
                    "resource": observations.observation(
                        a, observations.kind_of(session, a.question)
                    ).model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for a in found
            ],
        }
    )
    session.commit()
    return answer(bundle)
