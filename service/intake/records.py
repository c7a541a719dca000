"""A feed's changes to a patient's record, through the record domain's edit and merge
(the same as staff's PATCH and the console's merge): the EHR's record wins, so no
version is sent. A new phone from a feed is consented as INTAKE_SMS_CONSENT says."""

from pydantic import ValidationError
from sqlmodel import Session

from service.errors import InvalidInput
from service.intake.people import IncomingPatient
from service.intake.service import Intake, Outcome, ask_on_scheduled, find_patient, register
from service.patients.models import Patient
from service.patients.schemas import PatientUpdate
from service.records.edits import edit_patient
from service.records.merging import merge_patients


def update_patient(session: Session, intake: Intake, person: IncomingPatient) -> Outcome:
    """Name, date of birth, phone and language as the feed has them now; a patient never
    seen (the feed started mid-stream) is registered."""
    existing = find_patient(session, person.mrn)
    if existing is None:
        patient, _ = register(session, intake, person)
        return Outcome(f"registered patient {patient.id} (first seen in an update)", patient.id)
    return update_record(session, intake, existing, person)


def update_record(
    session: Session, intake: Intake, existing: Patient, person: IncomingPatient
) -> Outcome:
    """This enrolled patient's record as the feed (or a spreadsheet row) has it now."""
    written = person.written()
    fields: dict[str, object] = {
        "given_name": written.given_name,
        "family_name": written.family_name,
    }
    if written.phone and written.phone != existing.phone:
        fields["phone"] = written.phone
        fields["sms_consent"] = True  # as INTAKE_SMS_CONSENT says: see below
    if written.language:
        fields["language"] = written.language
    if written.birth_date:
        fields["birth_date"] = written.birth_date
    if written.mrn and not existing.mrn:
        fields["mrn"] = written.mrn  # matched on phone, name and date of birth
    try:
        changes = PatientUpdate.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else None
        raise InvalidInput(f"{where}: {error['msg']}", field=where) from None
    assert existing.id is not None
    result = edit_patient(
        session,
        existing.id,
        changes,
        intake.settings,
        intake.actor,
        intake.now,
        expected_version=None,
    )
    if "phone" in result.changed and intake.settings.intake_sms_consent == "ask":
        # A number nobody agreed on: ask on it before texting it anything else.
        _ask_again(session, result.patient, intake)
    changed = ", ".join(result.changed) or "nothing changed"
    return Outcome(f"patient {existing.id} updated ({changed})", existing.id)


def merge(session: Session, intake: Intake, surviving: IncomingPatient, prior_mrn: str) -> Outcome:
    """ADT^A40: the prior record (MRG-1) merged into the surviving one (PID-3)."""
    duplicate = find_patient(session, prior_mrn)
    kept = find_patient(session, surviving.mrn)
    if duplicate is None:
        return Outcome(
            "the merged-away record was never seen here; nothing to merge",
            kept.id if kept else None,
            ignored=True,
        )
    if kept is None or kept.id == duplicate.id:
        # The surviving MRN is new here: the record we have simply takes it.
        assert duplicate.id is not None
        changes = PatientUpdate.model_validate({"mrn": surviving.mrn})
        edit_patient(
            session,
            duplicate.id,
            changes,
            intake.settings,
            intake.actor,
            intake.now,
            expected_version=None,
        )
        return Outcome(f"patient {duplicate.id} now has the surviving MRN", duplicate.id)
    assert kept.id is not None and duplicate.id is not None
    merge_patients(session, kept.id, duplicate.id, intake.actor, intake.now)
    return Outcome(f"patient {duplicate.id} merged into patient {kept.id}", kept.id)


def _ask_again(session: Session, patient: Patient, intake: Intake) -> None:
    patient.sms_consent = False
    patient.awaiting_yes_since = intake.now
    patient.consent_source = intake.feed
    session.add(patient)
    ask_on_scheduled(session, patient, intake)
