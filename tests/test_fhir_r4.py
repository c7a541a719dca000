"""The EHR over FHIR R4: patients and appointments through the same domain services,
answers read back with the same model library (fhir.resources, R4B)."""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.procedures.models import Procedure
from tests.conftest import new_york, send_due
from tests.fakes.gateways import RecordingGateway

FHIR = {"Content-Type": "application/fhir+json"}
MARIA = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:mild-reminders:mrn", "value": "EHR-77"}],
    "name": [{"use": "official", "family": "GARCÍA", "given": ["MARÍA"]}],
    "telecom": [
        {"system": "phone", "value": "(212) 555-0100", "use": "home"},
        {"system": "sms", "value": "(212) 555-0142", "use": "mobile"},
    ],
    "birthDate": "1956-04-12",
    "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}}],
}


def _appointment(patient_id: int, start: str, status: str = "booked", code: str = "0275T"):
    return {
        "resourceType": "Appointment",
        "identifier": [{"system": "urn:ehr:appt", "value": "APPT-1"}],
        "status": status,
        "serviceType": [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code}]}],
        "start": start,
        "end": start.replace("T07", "T08"),
        "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
    }


def test_ehr_enrolls_finds_books_moves_and_cancels_over_fhir(
    client: TestClient, staff, engine, settings
):
    headers = {**staff, **FHIR}
    statement = CapabilityStatement.model_validate(client.get("/fhir/R4/metadata").json())
    assert [r.type for r in statement.rest[0].resource] == [
        "Patient",
        "Appointment",
        "Communication",
        "Observation",
    ]

    created = client.post("/fhir/R4/Patient", json=MARIA, headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/fhir+json")
    patient = Patient.model_validate(created.json())
    assert patient.name[0].given == ["María"] and patient.telecom[0].value == "+12125550142"
    # Conditional create: the same MRN finds the record instead of a second one.
    again = client.post(
        "/fhir/R4/Patient",
        json=MARIA,
        headers={**headers, "If-None-Exist": "identifier=urn:mild-reminders:mrn|EHR-77"},
    )
    assert again.status_code == 200 and again.json()["id"] == patient.id
    # Without the condition the duplicate is refused, naming the element.
    duplicate = OperationOutcome.model_validate(
        client.post("/fhir/R4/Patient", json=MARIA, headers=headers).json()
    )
    assert duplicate.issue[0].expression == ["Patient.identifier"]

    for query in ("identifier=urn:mild-reminders:mrn|EHR-77", "name=garc", "birthdate=1956-04-12",
                  "phone=2125550142", "name=maria&birthdate=1956-04-12"):  # fmt: skip
        bundle = Bundle.model_validate(
            client.get(f"/fhir/R4/Patient?{query}", headers=staff).json()
        )
        assert bundle.total == 1, query
    assert (
        Bundle.model_validate(
            client.get("/fhir/R4/Patient?birthdate=1957-01-01", headers=staff).json()
        ).total
        == 0
    )

    booked = client.post(
        "/fhir/R4/Appointment", json=_appointment(int(patient.id), "2027-03-16T07:00:00-04:00"),
        headers=headers,
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    appointment = Appointment.model_validate(booked.json())
    moved = client.post(
        "/fhir/R4/Appointment", json=_appointment(int(patient.id), "2027-03-18T07:00:00-04:00"),
        headers=headers,
    )  # fmt: skip
    assert moved.json()["id"] == appointment.id
    with Session(engine) as session:
        [procedure] = session.exec(select(Procedure)).all()
        assert procedure.scheduled_at == new_york("2027-03-18T07:00")
    listed = Bundle.model_validate(
        client.get(
            f"/fhir/R4/Appointment?patient=Patient/{patient.id}&date=ge2027-03-17", headers=staff
        ).json()
    )
    assert [e.resource.id for e in listed.entry] == [appointment.id]
    assert (
        Bundle.model_validate(
            client.get(
                f"/fhir/R4/Appointment?patient=Patient/{patient.id}&date=lt2027-03-17",
                headers=staff,
            ).json()
        ).total
        == 0
    )
    # The texts show in the chart: the first one asked for YES (INTAKE_SMS_CONSENT=ask).
    send_due(engine, settings, RecordingGateway(), "2027-03-01T10:00")
    texts = Bundle.model_validate(
        client.get(
            f"/fhir/R4/Communication?patient=Patient/{patient.id}&sent=ge2027-03-01", headers=staff
        ).json()
    )
    [text] = [Communication.model_validate(e.resource.model_dump()) for e in texts.entry]
    assert text.status == "completed" and "Responda SI" in text.payload[0].contentString
    assert text.basedOn[0].reference == f"Appointment/{appointment.id}"
    assert text.medium[0].coding[0].code == "SMSWRIT"
    one = client.get(f"/fhir/R4/Communication/{text.id}", headers=staff)
    assert Communication.model_validate(one.json()).id == text.id
    cancelled = client.post(
        "/fhir/R4/Appointment",
        json=_appointment(int(patient.id), "2027-03-18T07:00:00-04:00", status="cancelled"),
        headers=headers,
    )
    assert cancelled.json()["status"] == "cancelled"
    read = Appointment.model_validate(
        client.get(f"/fhir/R4/Appointment/{appointment.id}", headers=staff).json()
    )
    assert read.status == "cancelled"
    with Session(engine) as session:
        actors = {e.actor_name for e in session.exec(select(AuditEntry)).all()}
    assert actors == {"test staff"}


def test_bad_fhir_input_gets_an_operation_outcome_naming_the_element(client: TestClient, staff):
    headers = {**staff, **FHIR}
    bad_date = client.post(
        "/fhir/R4/Patient", json={**MARIA, "birthDate": "12/04/1956"}, headers=headers
    )
    outcome = OperationOutcome.model_validate(bad_date.json())
    assert bad_date.status_code == 400 and outcome.issue[0].expression == ["Patient.birthDate"]
    no_phone = client.post("/fhir/R4/Patient", json={**MARIA, "telecom": []}, headers=headers)
    assert no_phone.status_code == 422
    assert OperationOutcome.model_validate(no_phone.json()).issue[0].expression == [
        "Patient.telecom"
    ]
    created = client.post("/fhir/R4/Patient", json=MARIA, headers=headers).json()
    office = client.post(
        "/fhir/R4/Appointment",
        json=_appointment(int(created["id"]), "2027-03-16T07:00:00-04:00", code="99213"),
        headers=headers,
    )
    assert office.status_code == 422
    assert OperationOutcome.model_validate(office.json()).issue[0].expression == [
        "Appointment.serviceType"
    ]
    far = client.post(
        "/fhir/R4/Appointment",
        json=_appointment(int(created["id"]), "2035-03-16T07:00:00-04:00"),
        headers=headers,
    )
    assert far.status_code == 422
    assert OperationOutcome.model_validate(far.json()).issue[0].expression == ["Appointment.start"]
    missing = client.get("/fhir/R4/Patient/999", headers=staff)
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"


def test_an_appointment_for_another_procedure_is_not_ours_whatever_its_reason_says(
    client: TestClient, staff, engine
):
    headers = {**staff, **FHIR}
    created = client.post("/fhir/R4/Patient", json=MARIA, headers=headers).json()
    history = [{"text": "s/p MILD L4-5 2025, now radicular pain - TFESI"}]
    # A transforaminal epidural (CPT 64483): the service type decides, the reason is history.
    epidural = {
        **_appointment(int(created["id"]), "2027-03-16T07:00:00-04:00", code="64483"),
        "reasonCode": history,
    }
    refused = client.post("/fhir/R4/Appointment", json=epidural, headers=headers)
    assert refused.status_code == 422
    assert OperationOutcome.model_validate(refused.json()).issue[0].expression == [
        "Appointment.serviceType"
    ]
    # A routine appointment type (HL7 table 0276) carries no procedure code: the reason that
    # names MILD makes it ours.
    routine = {
        **{k: v for k, v in epidural.items() if k != "serviceType"},
        "appointmentType": {"coding": [{"code": "ROUTINE"}]},
        "reasonCode": [{"text": "MILD L4-5"}],
    }
    booked = client.post("/fhir/R4/Appointment", json=routine, headers=headers)
    assert booked.status_code in (200, 201), booked.text
    with Session(engine) as session:
        assert len(session.exec(select(Procedure)).all()) == 1


@pytest.mark.parametrize("odd", ["²", "٤٢", "+3", "99999999999"])
def test_an_id_that_is_no_number_is_not_found_or_refused_never_a_500(client, staff, odd):
    # Superscripts and other scripts' digits pass str.isdigit() but int() refuses them
    # (the fuzz found `?patient=²`): one rule, service.validation.record_id, reads them all.
    quoted = quote(odd)
    for path in (f"Patient/{quoted}", f"Communication/{quoted}", f"Appointment/p{quoted}"):
        assert client.get(f"/fhir/R4/{path}", headers=staff).status_code == 404, path
    for search in ("Communication", "Observation", "Appointment"):
        answer = client.get(f"/fhir/R4/{search}", params={"patient": odd}, headers=staff)
        assert answer.status_code == 400, search
        assert answer.json()["issue"][0]["expression"] == ["patient"]
