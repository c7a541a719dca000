"""Who may call the admin endpoints, API keys over HTTP, and the audit trail."""

import json

import pytest

from tests.conftest import book, enroll

ADMIN_ENDPOINTS = [
    ("GET", "/v1/templates", None),
    ("GET", "/v1/templates/ice/en", None),
    ("PUT", "/v1/templates/ice/en", {"body": "Ice helps."}),
    ("POST", "/v1/templates/ice/en/restore/0", None),
    ("GET", "/v1/plan", None),
    (
        "PUT",
        "/v1/plan",
        {"fasting_hours": 6, "sending_window": {"opens": "08:00", "closes": "21:00"}},
    ),
    ("POST", "/v1/plan/apply-to-pending", None),
    ("PATCH", "/v1/plan", {"fasting_hours": 6}),
    ("GET", "/v1/plan/versions", None),
    ("POST", "/v1/plan/versions/0/restore", None),
    ("POST", "/v1/api-keys", {"role": "staff", "name": "front desk"}),
    ("GET", "/v1/api-keys", None),
    ("DELETE", "/v1/api-keys/{staff_id}", None),
    ("GET", "/v1/audit", None),
]


def _revoked_headers(client, admin):
    created = client.post(
        "/v1/api-keys", json={"role": "admin", "name": "old"}, headers=admin
    ).json()
    assert client.delete(f"/v1/api-keys/{created['id']}", headers=admin).status_code == 200
    return {"Authorization": f"Bearer {created['secret']}"}


def _staff_id(client, admin):
    keys = client.get("/v1/api-keys", headers=admin).json()
    return next(k["id"] for k in keys if k["role"] == "staff")


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ENDPOINTS)
def test_role_matrix(client, staff, admin, method, path, body):
    path = path.format(staff_id=_staff_id(client, admin))
    revoked = _revoked_headers(client, admin)
    for headers, expected in (({}, 401), (revoked, 401), (staff, 403)):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == expected, (headers, response.text)
    response = client.request(method, path, json=body, headers=admin)
    assert response.status_code in (200, 201), response.text


def test_an_api_key_secret_is_shown_once_and_revocation_is_immediate(client, admin):
    created = client.post(
        "/v1/api-keys", json={"role": "staff", "name": "front desk"}, headers=admin
    )
    assert created.status_code == 201
    key = created.json()
    assert key["secret"].startswith(key["prefix"]) and key["role"] == "staff"
    listing = client.get("/v1/api-keys", headers=admin)
    assert key["secret"] not in listing.text and "secret" not in listing.text
    assert {"id", "prefix", "role", "name", "created_at", "revoked_at"} == set(listing.json()[0])

    headers = {"Authorization": f"Bearer {key['secret']}"}
    assert client.get("/v1/patients/1", headers=headers).status_code == 404  # works: no patient
    revoked = client.delete(f"/v1/api-keys/{key['id']}", headers=admin).json()
    assert revoked["revoked_at"] is not None
    assert client.get("/v1/patients/1", headers=headers).status_code == 401


def test_bad_role_unknown_key_and_last_admin(client, admin):
    bad = client.post("/v1/api-keys", json={"role": "root", "name": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "role"
    assert client.delete("/v1/api-keys/999", headers=admin).status_code == 404
    me = next(k for k in client.get("/v1/api-keys", headers=admin).json() if k["role"] == "admin")
    last = client.delete(f"/v1/api-keys/{me['id']}", headers=admin)
    assert last.status_code == 409 and "last active admin" in last.json()["detail"]


def test_every_mutation_is_audited_without_phones_bodies_or_names(client, staff, admin, clock):
    start = clock.now
    patient = enroll(client, staff, given_name="Zelda", family_name="Quixote")
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    clock.advance(minutes=5)
    client.patch(
        f"/v1/procedures/{procedure['id']}",
        json={"scheduled_at": "2027-03-18T07:00:00"},
        headers=staff,
    )
    visit = client.post(
        f"/v1/procedures/{procedure['id']}/appointments",
        json={"kind": "wound_check", "starts_at": "2027-03-26T10:00:00"},
        headers=staff,
    )
    assert visit.status_code == 201, visit.text
    client.post(f"/v1/appointments/{visit.json()['id']}/cancel", headers=staff)
    client.post(f"/v1/procedures/{procedure['id']}/cancel", headers=staff)
    secret_text = "Secret ice words for {{ given_name }}."
    assert (
        client.put("/v1/templates/ice/en", json={"body": secret_text}, headers=admin).status_code
        == 200
    )
    client.post("/v1/templates/ice/en/restore/0", headers=admin)
    client.put(
        "/v1/plan",
        json={"fasting_hours": 6, "sending_window": {"opens": "08:00", "closes": "21:00"}},
        headers=admin,
    )
    client.post("/v1/plan/apply-to-pending", headers=admin)
    key = client.post("/v1/api-keys", json={"role": "staff", "name": "desk"}, headers=admin).json()
    client.delete(f"/v1/api-keys/{key['id']}", headers=admin)

    response = client.get("/v1/audit", headers=admin)
    assert response.status_code == 200
    entries = response.json()
    seen = {(e["entity"], e["action"]) for e in entries}
    assert seen >= {
        ("patient", "create"),
        ("procedure", "create"),
        ("procedure", "reschedule"),
        ("procedure", "cancel"),
        ("appointment", "create"),
        ("appointment", "cancel"),
        ("template", "update"),
        ("template", "restore"),
        ("plan", "update"),
        ("plan", "apply_to_pending"),
        ("api_key", "create"),
        ("api_key", "revoke"),
    }
    text = response.text
    for forbidden in ("555", "0142", "Zelda", "Quixote", "Secret ice words", key["secret"]):
        assert forbidden not in text, forbidden
    by_staff = next(
        e for e in entries if e["entity"] == "procedure" and e["action"] == "reschedule"
    )
    assert by_staff["actor_name"] == "test staff" and by_staff["patient_id"] == patient["id"]
    assert by_staff["changes"]["before"]["scheduled_at"].startswith("2027-03-16")
    template = next(e for e in entries if e["entity"] == "template" and e["action"] == "update")
    assert template["changes"] == {
        "fields": ["body", "language", "step", "version"],
        "after": {"language": "en", "step": "ice", "version": 1},
    }
    plan = next(e for e in entries if e["entity"] == "plan" and e["action"] == "update")
    assert "fasting_hours" in plan["changes"]["fields"]

    mine = client.get(f"/v1/audit?patient_id={patient['id']}", headers=admin).json()
    assert {e["patient_id"] for e in mine} == {patient["id"]} and len(mine) == 6
    early = client.get(
        "/v1/audit",
        params={"since": start.isoformat(), "until": clock.now.isoformat()},
        headers=admin,
    ).json()
    assert {(e["entity"], e["action"]) for e in early} == {
        ("patient", "create"),
        ("procedure", "create"),
    }
    json.dumps(entries)


def test_cancelling_a_visit_twice_is_audited_once(client, staff, admin):
    # A double click at the front desk changes nothing the second time, like a
    # repeated procedure cancel or key revoke.
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    visit = client.post(
        f"/v1/procedures/{procedure['id']}/appointments",
        json={"kind": "wound_check", "starts_at": "2027-03-26T10:00:00"},
        headers=staff,
    ).json()
    for _ in range(2):
        response = client.post(f"/v1/appointments/{visit['id']}/cancel", headers=staff)
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
    entries = client.get("/v1/audit?entity=appointment", headers=admin).json()
    assert [e["action"] for e in entries] == ["cancel", "create"]
    assert entries[0]["changes"]["before"] == {"status": "booked"}
