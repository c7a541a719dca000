"""Staff book, move and cancel procedures; the timeline follows."""

from tests.conftest import book, enroll


def _timeline(procedure):
    return {(r["step"], r["occurrence"]): r for r in procedure["reminders"]}


def test_booking_plans_the_whole_mild_timeline_in_the_patients_zone(client, staff):
    patient = enroll(client, staff, timezone="America/Los_Angeles")
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    assert procedure["local_scheduled_at"] == "2027-03-16T07:00:00-07:00"
    assert procedure["scheduled_at"] == "2027-03-16T14:00:00Z"
    timeline = _timeline(procedure)
    assert timeline[("prep_week", 1)]["local_due_at"] == "2027-03-09T09:00:00-08:00"
    assert timeline[("fasting", 1)]["local_due_at"] == "2027-03-15T18:00:00-07:00"
    assert [timeline[("ice", n)]["local_due_at"][:10] for n in range(1, 8)] == [
        f"2027-03-{day}" for day in range(17, 24)
    ]
    assert all(r["status"] == "pending" for r in procedure["reminders"])
    assert client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json() == procedure


def test_a_time_with_an_offset_is_that_instant(client, staff):
    patient = enroll(client, staff, timezone="Europe/London")
    procedure = book(client, staff, patient["id"], "2027-06-01T12:00:00+02:00")
    assert procedure["local_scheduled_at"] == "2027-06-01T11:00:00+01:00"


def test_malformed_or_absurd_dates_are_refused(client, staff):
    patient = enroll(client, staff)
    for bad in ("next tuesday", "2027-13-01T07:00:00", "1999-01-01T07:00:00"):
        response = client.post(
            f"/v1/patients/{patient['id']}/procedures", json={"scheduled_at": bad}, headers=staff
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "scheduled_at"
    missing = client.post(
        "/v1/patients/999/procedures", json={"scheduled_at": "2027-03-16T07:00:00"}, headers=staff
    )
    assert missing.status_code == 404


def test_rescheduling_replans_pending_reminders_in_place(client, staff):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    moved = client.patch(
        f"/v1/procedures/{procedure['id']}",
        json={"scheduled_at": "2027-03-23T13:00:00"},
        headers=staff,
    )
    assert moved.status_code == 200
    before, after = _timeline(procedure), _timeline(moved.json())
    assert before.keys() == after.keys()
    assert after[("fasting", 1)]["local_due_at"] == "2027-03-22T18:00:00-04:00"
    # Same rows, new times: nothing is duplicated.
    assert {r["id"] for r in before.values()} == {r["id"] for r in after.values()}


def test_cancelling_cancels_everything_pending_with_a_reason(client, staff):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    cancelled = client.post(f"/v1/procedures/{procedure['id']}/cancel", headers=staff).json()
    assert cancelled["status"] == "cancelled"
    assert {(r["status"], r["status_reason"]) for r in cancelled["reminders"]} == {
        ("cancelled", "procedure cancelled")
    }
    again = client.patch(
        f"/v1/procedures/{procedure['id']}",
        json={"scheduled_at": "2027-03-23T13:00:00"},
        headers=staff,
    )
    assert again.status_code == 409


def test_procedure_routes_need_a_key(client, staff):
    assert client.get("/v1/procedures/1").status_code == 401
    assert client.get("/v1/procedures/1", headers=staff).status_code == 404
