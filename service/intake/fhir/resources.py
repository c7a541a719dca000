"""Our records as FHIR R4 resources and back, with fhir.resources' R4B models (R4
compatible): never hand-built dicts. Errors are OperationOutcomes whose `expression`
names the element, as HAPI's validator does."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from service.intake.people import IncomingPatient, language_code
from service.patients.models import Patient

MRN_SYSTEM = "urn:mild-reminders:mrn"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
FHIR_JSON = "application/fhir+json"

# Our fields as FHIR elements: a domain error names ours, the OperationOutcome theirs.
PATIENT_ELEMENTS = {
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "phone": "Patient.telecom",
    "mrn": "Patient.identifier",
    "language": "Patient.communication.language",
    "birth_date": "Patient.birthDate",
    "timezone": "Patient.extension",
}
APPOINTMENT_ELEMENTS = {
    "scheduled_at": "Appointment.start",
    "starts_at": "Appointment.start",
    "procedure_id": "Appointment.id",
    "appointment_id": "Appointment.id",
    "patient_id": "Appointment.participant.actor",
}


def outcome(message: str, expression: str | None, code: str = "invalid") -> OperationOutcome:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = [expression]
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]})


def patient_resource(patient: Patient) -> FhirPatient:
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.id),
        "meta": {"versionId": str(getattr(patient, "version", 1))},
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "telecom": [{"system": "sms", "value": patient.phone, "use": "mobile"}],
        "communication": [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]},
                "preferred": True,
            }
        ],
    }
    if patient.mrn:
        data["identifier"] = [
            {"use": "usual", "type": {"coding": [{"code": "MR"}]}, "system": MRN_SYSTEM,
             "value": patient.mrn}
        ]  # fmt: skip
    if patient.birth_date:
        data["birthDate"] = patient.birth_date.isoformat()
    if patient.merged_into_id is not None:
        data["active"] = False
        data["link"] = [{"other": {"reference": f"Patient/{patient.merged_into_id}"},
                         "type": "replaced-by"}]  # fmt: skip
    return FhirPatient.model_validate(data)


def incoming_patient(resource: FhirPatient) -> IncomingPatient:
    """What enrollment takes from a FHIR Patient: the official (else first) name, the
    mobile `sms`/`phone` telecom (else any phone), the MRN identifier, the language."""
    names = resource.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    phones = [t for t in resource.telecom or [] if t.system in ("sms", "phone") and t.value]
    phones.sort(key=lambda t: (t.use != "mobile", t.system != "sms"))
    language = None
    for communication in resource.communication or []:
        for coding in communication.language.coding or []:
            language = language_code(coding.code, coding.display)
        language = language or language_code(None, communication.language.text)
        if language:
            break
    mrn = None
    for identifier in resource.identifier or []:
        if identifier.value and (
            identifier.system in (None, MRN_SYSTEM)
            or (
                identifier.type is not None
                and any(c.code == "MR" for c in identifier.type.coding or [])
            )
        ):
            mrn = identifier.value
            break
    birth = resource.birthDate
    return IncomingPatient(
        given_name=" ".join(g for g in name.given or [] if g) if name else "",
        family_name=(name.family or "") if name else "",
        phone=phones[0].value if phones else None,
        mrn=mrn,
        language=language,
        birth_date=birth if isinstance(birth, date) else None,
    )


def appointment_resource(
    appointment_id: str,
    status: str,
    start: datetime,
    minutes: int,
    patient_id: int,
    kind: str,
    zone: ZoneInfo,
) -> FhirAppointment:
    local = start.astimezone(zone)
    return FhirAppointment.model_validate(
        {
            "resourceType": "Appointment",
            "id": appointment_id,
            "status": status,
            "serviceType": [{"coding": [{"system": CPT_SYSTEM, "code": "0275T"}]}]
            if kind == "procedure"
            else [{"text": kind.replace("_", " ")}],
            "start": local.isoformat(),
            "end": (local + timedelta(minutes=minutes)).isoformat(),
            "participant": [
                {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}
            ],
        }
    )
