"""The EHR keeps our records current over FHIR R4 `update`: PUT by id and conditional PUT
by identifier, the EHR winning unless it sends If-Match (then a stale version is 412).
Every answer is read back with fhir.resources' R4B models."""

from fastapi.testclient import TestClient
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.procedures.models import Procedure, ProcedureStatus
from tests.conftest import new_york
from tests.test_fhir_r4 import FHIR, MARIA, _appointment


def _outcome(response) -> OperationOutcome:
    return OperationOutcome.model_validate(response.json())


def test_ehr_corrects_a_patient_and_wins_unless_it_sends_if_match(
    client: TestClient, staff, engine
):
    headers = {**staff, **FHIR}
    created = client.post("/fhir/R4/Patient", json=MARIA, headers=headers)
    assert created.headers["ETag"] == 'W/"1"'
    patient_id = created.json()["id"]
    new_phone = {
        **MARIA,
        "telecom": [{"system": "sms", "value": "(212) 555-0177", "use": "mobile"}],
    }
    # No If-Match: the EHR's record wins, whatever version we hold.
    updated = client.put(f"/fhir/R4/Patient/{patient_id}", json=new_phone, headers=headers)
    assert updated.status_code == 200, updated.text
    patient = Patient.model_validate(updated.json())
    assert patient.telecom[0].value == "+12125550177" and patient.meta.versionId == "2"
    assert updated.headers["ETag"] == 'W/"2"'
    # If-Match on a version someone has since changed: 412, nothing written.
    english = {**new_phone, "communication": [{"language": {"text": "English"}}]}
    stale = client.put(
        f"/fhir/R4/Patient/{patient_id}", json=english, headers={**headers, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert _outcome(stale).issue[0].expression == ["Patient.meta.versionId"]
    read = client.get(f"/fhir/R4/Patient/{patient_id}", headers=staff)
    assert read.headers["ETag"] == 'W/"2"'
    assert Patient.model_validate(read.json()).communication[0].language.coding[0].code == "es"
    current = client.put(
        f"/fhir/R4/Patient/{patient_id}", json=english, headers={**headers, "If-Match": 'W/"2"'}
    )
    assert current.status_code == 200 and current.headers["ETag"] == 'W/"3"'
    # Conditional update by the MRN: the same record, found by identifier.
    by_mrn = client.put(
        "/fhir/R4/Patient?identifier=urn:mild-reminders:mrn|EHR-77",
        json={**english, "birthDate": "1956-04-13"},
        headers=headers,
    )
    assert by_mrn.status_code == 200 and by_mrn.json()["id"] == patient_id
    assert by_mrn.json()["birthDate"] == "1956-04-13"
    # No match: conditional update creates.
    juan = {
        **MARIA,
        "identifier": [{"system": "urn:mild-reminders:mrn", "value": "EHR-88"}],
        "name": [{"family": "PÉREZ", "given": ["JUAN"]}],
        "telecom": [{"system": "sms", "value": "(212) 555-0199", "use": "mobile"}],
        "birthDate": "1949-01-02",
    }
    made = client.put(
        "/fhir/R4/Patient?identifier=urn:mild-reminders:mrn|EHR-88", json=juan, headers=headers
    )
    assert made.status_code == 201, made.text
    juan_id = made.json()["id"]
    # Giving Juan María's MRN would make two records of one person: 409 naming the element.
    taken = client.put(
        f"/fhir/R4/Patient/{juan_id}",
        json={**juan, "identifier": MARIA["identifier"]},
        headers=headers,
    )
    assert taken.status_code == 409
    assert _outcome(taken).issue[0].expression == ["Patient.identifier"]
    assert (
        client.get(f"/fhir/R4/Patient/{juan_id}", headers=staff).json()["identifier"][0]["value"]
        == "EHR-88"
    )
    missing = client.put("/fhir/R4/Patient/999", json=juan, headers=headers)
    assert missing.status_code == 404
    other_id = client.put(f"/fhir/R4/Patient/{juan_id}", json={**juan, "id": "5"}, headers=headers)
    assert _outcome(other_id).issue[0].expression == ["Patient.id"]
    with Session(engine) as session:
        updates = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert {u.actor_name for u in updates} == {"test staff"} and len(updates) == 3


def test_ehr_moves_and_cancels_appointments_with_put(client: TestClient, staff, engine):
    headers = {**staff, **FHIR}
    statement = CapabilityStatement.model_validate(client.get("/fhir/R4/metadata").json())
    interactions = {
        r.type: sorted(i.code for i in r.interaction) for r in statement.rest[0].resource
    }
    assert interactions["Patient"] == ["create", "read", "search-type", "update"]
    assert interactions["Appointment"] == ["create", "read", "search-type", "update"]
    assert interactions["Communication"] == ["read", "search-type"]
    patient_id = int(client.post("/fhir/R4/Patient", json=MARIA, headers=headers).json()["id"])
    booked = client.post(
        "/fhir/R4/Appointment",
        json=_appointment(patient_id, "2027-03-16T07:00:00-04:00"),
        headers=headers,
    )
    appointment_id = booked.json()["id"]
    body = {**_appointment(patient_id, "2027-03-19T07:00:00-04:00"), "id": appointment_id}
    moved = client.put(f"/fhir/R4/Appointment/{appointment_id}", json=body, headers=headers)
    assert moved.status_code == 200, moved.text
    assert Appointment.model_validate(moved.json()).start.isoformat().startswith("2027-03-19")
    with Session(engine) as session:
        [procedure] = session.exec(select(Procedure)).all()
        assert procedure.scheduled_at == new_york("2027-03-19T07:00")
    # Another patient's appointment cannot be taken over by an update.
    stolen = client.put(
        f"/fhir/R4/Appointment/{appointment_id}",
        json={
            **body,
            "participant": [{"actor": {"reference": "Patient/999"}, "status": "accepted"}],
        },
        headers=headers,
    )
    assert _outcome(stolen).issue[0].expression == ["Appointment.participant.actor"]
    no_show = client.put(
        f"/fhir/R4/Appointment/{appointment_id}",
        json={**body, "status": "noshow", "cancelationReason": {"text": "did not come"}},
        headers=headers,
    )
    assert no_show.json()["status"] == "cancelled"
    again = client.put(f"/fhir/R4/Appointment/{appointment_id}", json=body, headers=headers)
    assert again.status_code == 409
    assert _outcome(again).issue[0].expression == ["Appointment.id"]
    unknown = {k: v for k, v in body.items() if k != "id"}
    assert client.put("/fhir/R4/Appointment/p999", json=unknown, headers=headers).status_code == 404
    # Conditional update by the EHR's own id: books when new, moves when known.
    second = _appointment(patient_id, "2027-04-06T07:00:00-04:00")
    url = "/fhir/R4/Appointment?identifier=urn:ehr:appt|APPT-2"
    first = client.put(url, json=second, headers=headers)
    assert first.status_code == 201, first.text
    later = _appointment(patient_id, "2027-04-08T07:00:00-04:00")
    again_moved = client.put(url, json=later, headers=headers)
    assert again_moved.status_code == 200 and again_moved.json()["id"] == first.json()["id"]
    cancelled = client.put(url, json={**later, "status": "cancelled"}, headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    with Session(engine) as session:
        statuses = sorted(p.status for p in session.exec(select(Procedure)).all())
        assert statuses == [ProcedureStatus.cancelled, ProcedureStatus.cancelled]
