"""/patients: find a patient, enroll one (asking before a likely second record), and
a patient's page with their procedures, their conversation and a booking form."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.config import Settings
from service.console.deps import ConsoleUser
from service.console.forms import FormState
from service.console.patient_form import PatientFields, patient_model
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.conversation.inbox import urgent_waiting
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.errors import DomainError
from service.messaging.repository import latest_messages_of_patient
from service.patients import service as patients
from service.patients.models import Patient
from service.patients.schemas import PatientCreate
from service.patients.search import likely_duplicates, opted_out_since, search_patients
from service.procedures import service as procedures
from service.procedures.booking_check import check_booking
from service.procedures.lists import procedures_of_patient
from service.timeline.active import active_plan

router = console_router()

PAGE_SIZE = 50
LANGUAGES = [("en", "English"), ("es", "Spanish (español)")]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
]
CONVERSATION_LIMIT = 200


@router.get("/patients")
def search_page(
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    errors: dict[str, str] = {}
    found = None
    if q.strip():
        try:
            found = search_patients(
                db, q, settings.clinic_phone_region, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        except DomainError as exc:
            form = FormState(values={"q": q})
            form.from_domain_error(exc, "q")
            errors = form.errors
    if found is not None:  # the count of results, never the terms
        shown = [p.id for p in found.patients]
        record_read(db, user.subject, Read.search, at=now, shown=shown, found_by="q")
    stopped = opted_out_since(db, [p.phone for p in found.patients]) if found else {}
    return render(
        request,
        "patients.html",
        {
            "title": f"Patients matching {q}" if q.strip() else "Patients",
            "q": q,
            "found": found,
            "phone_region": settings.clinic_phone_region,
            "page": page,
            "stopped": stopped,
            "errors": errors,
            "values": {"q": q},
        },
        status_code=422 if errors else 200,
    )


@router.get("/patients/new")
def enroll_page(request: Request, user: ConsoleUser, settings: SettingsDep) -> Response:
    values = {"timezone": settings.clinic_timezone, "language": settings.default_language}
    return _enroll_form(request, values, {})


@router.post("/patients/new")
def enroll(
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    fields: Annotated[PatientFields, Depends()],
    confirm_duplicate: Annotated[str, Form()] = "",
) -> Response:
    values = fields.values
    form = FormState(values=dict(values))
    form.require("given_name", "Enter the patient's given (first) name")
    form.require("family_name", "Enter the patient's family (last) name")
    form.require("phone", "Enter the mobile number the texts go to")
    data = _patient_create(form, confirm_duplicate == "yes") if form.ok else None
    if data is None:
        return _enroll_form(request, form.values, form.errors)
    try:
        if not data.allow_duplicate:
            duplicates = patients.duplicates_of(db, data, settings)
            if duplicates:
                return render(
                    request,
                    "patient_duplicate.html",
                    {
                        "title": "Is this the same patient?",
                        "duplicates": duplicates,
                        "values": values,
                        "phone_region": settings.clinic_phone_region,
                    },
                    status_code=409,
                )
        patient = patients.enroll_patient(db, data, settings, user.subject, now)
        db.commit()
    except DomainError as exc:
        db.rollback()  # nothing half-written
        form.from_domain_error(exc, fallback_field="given_name")
        return _enroll_form(request, form.values, form.errors)
    return see_other(request, f"/patients/{patient.id}", flash="Patient enrolled")


def _patient_create(form: FormState, allow_duplicate: bool) -> PatientCreate | None:
    values = form.values
    return patient_model(
        form,
        PatientCreate,
        given_name=values["given_name"],
        family_name=values["family_name"],
        phone=values["phone"],
        mrn=values["mrn"].strip() or None,
        birth_date=values["birth_date"].strip() or None,
        timezone=values["timezone"] or None,
        language=values["language"] or None,
        sms_consent=values["sms_consent"] == "on",
        allow_duplicate=allow_duplicate,
    )


def _enroll_form(request: Request, values: dict[str, str], errors: dict[str, str]) -> Response:
    return render(
        request,
        "patient_new.html",
        {
            "title": "Enroll a patient",
            "values": values,
            "errors": errors,
            "zones": zone_options(values.get("timezone", "")),
            "languages": LANGUAGES,
        },
        status_code=422 if errors else 200,
    )


def zone_options(current: str) -> list[tuple[str, str]]:
    zones = ZONES if not current or current in ZONES else [current, *ZONES]
    return [(zone, zone.rsplit("/", 1)[1].replace("_", " ") + f" ({zone})") for zone in zones]


@router.get("/patients/{patient_id}")
def patient_page(
    patient_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    patient = patients.get_patient(db, patient_id)
    if patient.merged_into_id is not None:  # a tombstone: old links find the patient
        flash = "That record was merged into this one"
        return see_other(request, f"/patients/{patient.merged_into_id}", flash=flash)
    record_read(db, user.subject, Read.patient, at=now, entity_id=patient_id, patient_id=patient_id)
    return patient_view(request, db, settings, patient, {}, {})


@router.post("/patients/{patient_id}/procedures")
def book_procedure(
    patient_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    scheduled_at: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    patient = patients.get_patient(db, patient_id)
    form = FormState(values={"scheduled_at": scheduled_at})
    wall = parse_local(form, "scheduled_at", "Enter the date and time of the procedure")
    if wall is not None:
        try:
            plan = active_plan(settings, db)
            # A past date, or one over a year ahead, is asked about first.
            check = None if confirm == "yes" else check_booking(db, patient, wall, plan, now)
            if check is not None:
                return render(
                    request,
                    "procedure_book_confirm.html",
                    {
                        "title": "Book the procedure on this date?",
                        "patient": patient,
                        "date_check": check,
                        "scheduled_at": scheduled_at,
                    },
                )
            procedure = procedures.schedule_procedure(db, patient, wall, plan, user.subject, now)
            db.commit()
            return see_other(request, f"/procedures/{procedure.id}", flash="Procedure booked")
        except DomainError as exc:
            db.rollback()
            form.from_domain_error(exc, fallback_field="scheduled_at")
    return patient_view(request, db, settings, patient, form.values, form.errors)


def parse_local(form: FormState, name: str, missing: str) -> datetime | None:
    """A `datetime-local` value ("2027-03-16T07:00"): the patient's wall time, naive."""
    raw = form.require(name, missing)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        form.error(name, "Enter a date and time like 16/03/2027 07:00")
        return None
    if value.tzinfo is not None:
        form.error(name, "Enter the patient's local date and time, without a zone")
        return None
    return value


def patient_view(
    request: Request,
    db: Session,
    settings: Settings,
    patient: Patient,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    assert patient.id is not None
    stopped = opted_out_since(db, [patient.phone])
    conversation = latest_messages_of_patient(db, patient.id, CONVERSATION_LIMIT)
    return render(
        request,
        "patient.html",
        {
            "title": f"{patient.given_name} {patient.family_name}",
            "patient": patient,
            "opted_out_since": stopped.get(patient.phone),
            "urgent_waiting": [m for m, _ in urgent_waiting(db, 20, patient_id=patient.id)],
            "procedures": procedures_of_patient(db, patient.id),
            "conversation": conversation,
            "values": values,
            "errors": errors,
            "phone_region": settings.clinic_phone_region,
            # Records that are probably this patient too, each with a merge button.
            "duplicates": likely_duplicates(
                db,
                phone=patient.phone,
                family_name=patient.family_name,
                mrn=None,
                birth_date=patient.birth_date,
                not_id=patient.id,
            ),
        },
        status_code=422 if errors else 200,
    )
