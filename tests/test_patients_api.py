"""Clinic staff enroll patients over the API; bad input is refused clearly."""

import pytest

from tests.conftest import enroll


def test_staff_enroll_a_patient_with_a_local_number_stored_as_e164(client, staff):
    patient = enroll(client, staff, phone="(212) 555-0142", timezone="America/Chicago")
    assert patient["phone"] == "+12125550142"
    assert patient["timezone"] == "America/Chicago"
    assert patient["language"] == "en"
    assert patient["sms_consent"] is True


def test_patient_without_a_zone_gets_the_clinics(client, staff):
    assert enroll(client, staff)["timezone"] == "America/New_York"


def test_staff_find_a_patient_again_by_any_spelling_of_the_number(client, staff):
    patient = enroll(client, staff, phone="+1 212 555 0142")
    found = client.get("/v1/patients", params={"phone": "212.555.0142"}, headers=staff).json()
    assert [p["id"] for p in found] == [patient["id"]]
    again = client.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert again == patient


def _errors(response):
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"phone": "not a number"}, "phone", "not a phone number"),
        ({"phone": "+1 555 0"}, "phone", "not a valid phone number"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "IANA"),
        ({"sms_consent": False}, "sms_consent", "agree"),
        ({"language": "english please"}, "language", "pattern"),
        ({"given_name": ""}, "given_name", "at least 1"),
        ({"surname": "Lopez"}, "surname", "not permitted"),
    ],
)
def test_bad_enrollment_is_refused_naming_the_field_and_nothing_is_saved(
    client, staff, change, field, words
):
    body = {
        "given_name": "Maria",
        "family_name": "Lopez",
        "phone": "2125550142",
        "sms_consent": True,
        **change,
    }
    response = client.post("/v1/patients", json=body, headers=staff)
    assert response.status_code == 422
    assert words in _errors(response)[field]
    assert client.get("/v1/patients", params={"phone": "2125550142"}, headers=staff).json() == []


def test_missing_consent_is_422_and_malformed_json_400_not_500(client, staff):
    missing = client.post(
        "/v1/patients",
        json={"given_name": "A", "family_name": "B", "phone": "2125550142"},
        headers=staff,
    )
    assert missing.status_code == 422
    assert "sms_consent" in _errors(missing)
    broken = client.post(
        "/v1/patients", content=b"{not json", headers={**staff, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert "JSON" in broken.json()["detail"]


def test_unknown_patient_is_404_naming_the_id(client, staff):
    response = client.get("/v1/patients/999", headers=staff)
    assert response.status_code == 404
    assert _errors(response) == {"patient_id": "no patient with id 999"}
    assert client.get("/v1/patients/abc", headers=staff).status_code == 422


def test_every_call_needs_a_valid_key(client, staff):
    assert client.get("/v1/patients/1").status_code == 401
    wrong = client.get("/v1/patients/1", headers={"Authorization": "Bearer mr_nope"})
    assert wrong.status_code == 401
    assert _errors(wrong) == {"Authorization": "the API key is unknown or revoked"}
    basic = client.get("/v1/patients/1", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert basic.status_code == 401


def test_admin_keys_can_do_what_staff_can(client, admin):
    assert enroll(client, admin)["id"] > 0


def test_keys_are_stored_hashed_never_in_clear(engine, staff):
    from sqlmodel import Session, select

    from service.auth.models import ApiKey

    secret = staff["Authorization"].removeprefix("Bearer ")
    with Session(engine) as session:
        stored = session.exec(select(ApiKey)).all()
    assert stored and all(secret not in (k.key_hash, k.prefix, k.name) for k in stored)
    assert all(len(k.key_hash) == 64 for k in stored)
