"""/patients/{id}/edit and /patients/{id}/merge: correct a record or merge a second
record into it, each shown first (what the change does to the texts still to come,
what would move) and made only once staff confirm. The same use cases as the API."""

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from service.audit.reads import Read, record_read
from service.config import Settings
from service.console.deps import ConsoleUser
from service.console.formatting import sentence
from service.console.forms import FormState
from service.console.patient_form import FIELD_HELP, PatientFields, patient_model
from service.console.patients_pages import LANGUAGES, patient_view, zone_options
from service.console.rendering import render, see_other
from service.console.routing import console_router
from service.deps import NowDep, ResourceId, SessionDep, SettingsDep
from service.errors import DomainError, LikelyDuplicate, StaleRecord
from service.patients import service as patients
from service.patients.models import Patient
from service.patients.phone import national_format
from service.patients.schemas import PatientUpdate
from service.records.edits import edit_patient, preview_edit
from service.records.merging import merge_patients, preview_merge
from service.validation import record_id, whole_number

router = console_router()

LABELS = {
    "given_name": "Given (first) name",
    "family_name": "Family (last) name",
    "phone": "Mobile phone",
    "mrn": "Medical record number",
    "birth_date": "Date of birth",
    "timezone": "Time zone",
    "language": "Language of the texts",
}
NEW_PHONE_CONSENT = (
    "Tick the box once the patient agrees to receive text messages at the new number"
)
TABLE_NAMES = {
    "procedure": "Procedures",
    "reminder": "Planned texts",
    "appointment": "Booked visits",
    "message": "Texts in the conversation",
}


def record_values(patient: Patient, settings: Settings) -> dict[str, str]:
    """The record as the edit form shows it."""
    return {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "phone": national_format(patient.phone, settings.clinic_phone_region),
        "mrn": patient.mrn or "",
        "birth_date": patient.birth_date.isoformat() if patient.birth_date else "",
        "timezone": patient.timezone,
        "language": patient.language,
        "version": str(patient.version),
    }


@router.get("/patients/{patient_id}/edit")
def edit_page(
    patient_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> Response:
    patient = patients.get_patient(db, patient_id)
    if patient.merged_into_id is not None:
        return see_other(request, f"/patients/{patient.merged_into_id}/edit")
    # The form shows the record: the same look as the patient's page.
    record_read(db, user.subject, Read.patient, at=now, entity_id=patient_id, patient_id=patient_id)
    return _edit_form(request, patient, record_values(patient, settings), {})


@router.post("/patients/{patient_id}/edit")
def edit(
    patient_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    fields: Annotated[PatientFields, Depends()],
    version: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    patient = patients.get_patient(db, patient_id)
    values = {**fields.values, "version": version}
    form = FormState(values=values)
    changes = _patient_update(form)
    expected = whole_number(version) or patient.version
    if changes is None:
        return _edit_form(request, patient, form.values, form.errors)
    try:
        if confirm != "yes":
            shown = preview_edit(
                db, patient_id, changes, settings, user.subject, now, expected_version=expected
            )
            db.rollback()
            if not shown.changed:
                return see_other(request, f"/patients/{patient_id}", flash="Nothing to change")
            return render(
                request,
                "patient_edit_confirm.html",
                {
                    "title": f"Change {patient.given_name} {patient.family_name}'s record?",
                    "patient": patient,
                    "shown": shown,
                    "labels": LABELS,
                    "hidden": form.values,
                    "phone_region": settings.clinic_phone_region,
                },
            )
        edit_patient(
            db, patient_id, changes, settings, user.subject, now, expected_version=expected
        )
        db.commit()
    except StaleRecord as exc:
        db.rollback()
        return _changed_meanwhile(request, db, settings, patient_id, form, exc)
    except LikelyDuplicate as exc:
        db.rollback()
        other = exc.existing_patient_ids[0]
        form.error(
            exc.field or "phone",
            f"Patient {other}'s record has the same details: if it is the same person, "
            "merge the two records from this patient's page",
        )
    except DomainError as exc:
        db.rollback()  # nothing half-written
        if exc.field == "sms_consent":  # said as the form says it, not the API
            form.error("sms_consent", NEW_PHONE_CONSENT)
        form.from_domain_error(exc, fallback_field="given_name")
    else:
        return see_other(request, f"/patients/{patient_id}", flash="Record updated")
    return _edit_form(request, patient, form.values, form.errors)


def _patient_update(form: FormState) -> PatientUpdate | None:
    """The API's own request model, so every rule on the fields applies here too."""
    values = form.values
    for name in ("given_name", "family_name", "phone"):
        form.require(name, FIELD_HELP[name])
    if not form.ok:
        return None
    return patient_model(
        form,
        PatientUpdate,
        given_name=values["given_name"],
        family_name=values["family_name"],
        phone=values["phone"],
        mrn=values["mrn"].strip() or None,
        birth_date=values["birth_date"].strip() or None,
        timezone=values["timezone"],
        language=values["language"],
        sms_consent=True if values["sms_consent"] == "on" else None,
    )


def _changed_meanwhile(
    request: Request,
    db: Session,
    settings: Settings,
    patient_id: int,
    form: FormState,
    exc: StaleRecord,
) -> Response:
    """Someone saved first: show what they changed, keep what was typed, and let the
    second person save again on the version they have now seen."""
    patient = patients.get_patient(db, patient_id)
    now_stored = record_values(patient, settings)
    meanwhile = [(LABELS.get(f, f), now_stored.get(f, "")) for f in exc.changed_fields]
    names = ", ".join(label.lower() for label, _ in meanwhile) or "the record"
    first = next((f for f in exc.changed_fields if f in form.values), "given_name")
    form.error(
        first,
        f"Someone else changed {names} while you were editing. Check the values below, "
        "then save again",
    )
    form.values["version"] = str(patient.version)
    return _edit_form(request, patient, form.values, form.errors, meanwhile=meanwhile)


def _edit_form(
    request: Request,
    patient: Patient,
    values: dict[str, str],
    errors: dict[str, str],
    meanwhile: list[tuple[str, str]] | None = None,
) -> Response:
    return render(
        request,
        "patient_edit.html",
        {
            "title": f"Correct {patient.given_name} {patient.family_name}'s record",
            "patient": patient,
            "values": values,
            "errors": errors,
            "meanwhile": meanwhile or [],
            "zones": zone_options(values.get("timezone", "")),
            "languages": LANGUAGES,
        },
        status_code=409 if meanwhile else 422 if errors else 200,
    )


@router.post("/patients/{patient_id}/merge")
def merge(
    patient_id: ResourceId,
    request: Request,
    user: ConsoleUser,
    db: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    duplicate_id: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    patient = patients.get_patient(db, patient_id)
    other = record_id(duplicate_id) or 0
    try:
        if confirm != "yes":
            shown = preview_merge(db, patient_id, other)
            return render(
                request,
                "patient_merge_confirm.html",
                {
                    "title": "Merge these two records?",
                    "shown": shown,
                    "table_names": TABLE_NAMES,
                    "labels": LABELS,
                    "phone_region": settings.clinic_phone_region,
                },
            )
        merge_patients(db, patient_id, other, user.subject, now)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return patient_view(request, db, settings, patient, {}, {"merge": sentence(exc.message)})
    return see_other(request, f"/patients/{patient_id}", flash="Records merged")
