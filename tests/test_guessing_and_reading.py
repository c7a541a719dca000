"""A stranger guessing keys is slowed and logged; every look at a patient's data is audited."""

import logging

from fastapi.testclient import TestClient

from service.app import create_app
from tests.conftest import book, enroll
from tests.support.apps import bound_app
from tests.support.twilio_webhooks import PUBLIC_BASE_URL, post_inbound, twilio_settings

GUESS = "mr_guessed-key-that-does-not-exist-0123456789"


def test_a_key_guesser_is_slowed_per_address_and_logged_without_the_key(
    settings, engine, clock, staff, caplog
):
    app = bound_app(settings, engine, clock)
    guesser = TestClient(app, client=("203.0.113.9", 40000))
    colleague = TestClient(app, client=("198.51.100.7", 40000))
    with caplog.at_level(logging.WARNING, logger="reminders.security"):
        answers = [
            guesser.get("/v1/patients/1", headers={"Authorization": f"Bearer {GUESS}{i}"})
            for i in range(settings.auth_failures_per_minute)
        ]
        assert {a.status_code for a in answers} == {401}
        slowed = guesser.get("/v1/patients/1", headers={"Authorization": f"Bearer {GUESS}"})
        assert slowed.status_code == 429
        assert 0 < int(slowed.headers["retry-after"]) <= 60
        assert slowed.json()["errors"][0]["field"] == "Authorization"
        # While slowed, even a right key gets no answer from that address...
        assert guesser.get("/v1/reminders", headers=staff).status_code == 429
        # ...but other addresses are not punished for it.
        assert colleague.get("/v1/reminders", headers=staff).status_code == 200
    events = [r.getMessage() for r in caplog.records if r.name == "reminders.security"]
    assert len(events) == settings.auth_failures_per_minute
    assert all("203.0.113.9" in e and "failed authentication" in e for e in events)
    assert not any(GUESS[:12] in e or "mr_" in e for e in events)
    # A minute later the address may try again.
    clock.advance(seconds=61)
    assert guesser.get("/v1/reminders", headers=staff).status_code == 200


def test_a_missing_key_is_a_mistake_not_a_guess(settings, engine, clock, staff):
    app = bound_app(settings, engine, clock)
    client = TestClient(app)
    for _ in range(settings.auth_failures_per_minute + 5):
        assert client.get("/v1/reminders").status_code == 401
    assert client.get("/v1/reminders", headers=staff).status_code == 200


def test_every_look_at_a_patients_data_is_audited_as_a_read(
    database_url, engine, clock, staff, admin
):
    app = create_app(twilio_settings(database_url), engine=engine, clock=clock)
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        patient = enroll(client, staff, phone="(212) 555-0142")
        other = enroll(client, staff, phone="(212) 555-0143", given_name="Ana")
        procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
        assert (
            post_inbound(client, "I have a fever and bleeding", "+12125550142").status_code == 200
        )
        clock.advance(minutes=1)
        looked_at = clock.now

        assert client.get(f"/v1/patients/{patient['id']}", headers=staff).status_code == 200
        assert client.get("/v1/patients", params={"phone": "2125550142"}, headers=staff).json()
        assert (
            client.get("/v1/patients", params={"phone": "2125550199"}, headers=staff).json() == []
        )
        assert (
            client.get(f"/v1/patients/{patient['id']}/messages", headers=staff).status_code == 200
        )
        assert client.get(f"/v1/procedures/{procedure['id']}", headers=staff).status_code == 200
        alerts = client.get("/v1/alerts", headers=staff).json()
        assert [a["patient_id"] for a in alerts] == [patient["id"]]

        reads = client.get(
            "/v1/audit", params={"patient_id": patient["id"], "action": "read"}, headers=admin
        ).json()
        # One vocabulary (service/audit/reads.py): what was looked at, and how it was found.
        assert sorted((e["entity"], e["changes"]["fields"]) for e in reads) == [
            ("alerts", []),
            ("messages", []),
            ("patient", []),
            ("procedure", []),
            ("search", ["phone"]),
        ]
        assert all(
            e["actor_name"] == "test staff" and e["at"].startswith(looked_at.isoformat()[:19])
            for e in reads
        )
        # A lookup that found nobody is still on record, with its count, tied to no patient.
        everyone = client.get("/v1/audit", params={"action": "read"}, headers=admin).json()
        searches = [e for e in everyone if e["patient_id"] is None and e["entity"] == "search"]
        assert sorted(e["changes"]["after"]["results"] for e in searches) == [0, 1]
        # The other patient was not looked at.
        assert (
            client.get(
                "/v1/audit", params={"patient_id": other["id"], "action": "read"}, headers=admin
            ).json()
            == []
        )
        # The audit never carries the number looked up.
        listing = client.get("/v1/audit", headers=admin).text
        assert "555" not in listing and "0142" not in listing
