"""Staff go from a patient to their procedures, and see the day's procedures and texts."""

from datetime import datetime

from tests.conftest import book, enroll


def test_staff_go_from_a_patient_to_their_procedures_latest_first(client, staff):
    patient = enroll(client, staff, timezone="America/Chicago")
    first = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    second = book(client, staff, patient["id"], "2027-05-04T08:30:00")
    listed = client.get(f"/v1/patients/{patient['id']}/procedures", headers=staff)
    assert listed.status_code == 200, listed.text
    rows = listed.json()
    assert [r["id"] for r in rows] == [second["id"], first["id"]]
    assert rows[1]["local_scheduled_at"] == "2027-03-16T07:00:00-05:00"
    assert (rows[1]["timezone"], rows[1]["family_name"]) == ("America/Chicago", "Lopez")
    missing = client.get("/v1/patients/999/procedures", headers=staff)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "patient_id"


def test_the_days_procedures_are_listed_in_order_with_their_patients(client, staff):
    maria = enroll(client, staff)
    ana = enroll(client, staff, given_name="Ana", family_name="Reyes", phone="(212) 555-0177")
    late = book(client, staff, maria["id"], "2027-03-16T13:00:00")
    early = book(client, staff, ana["id"], "2027-03-16T07:00:00")
    book(client, staff, ana["id"], "2027-03-17T07:00:00")  # the next day
    client.post(f"/v1/procedures/{late['id']}/cancel", headers=staff)

    day = {"from": "2027-03-16T00:00:00-04:00", "to": "2027-03-17T00:00:00-04:00"}
    listed = client.get("/v1/procedures", params=day, headers=staff)
    assert [(p["id"], p["given_name"]) for p in listed.json()] == [
        (early["id"], "Ana"),
        (late["id"], "Maria"),
    ]
    assert listed.headers["X-Total-Count"] == "2"
    scheduled = client.get("/v1/procedures", params={**day, "status": "scheduled"}, headers=staff)
    assert [p["id"] for p in scheduled.json()] == [early["id"]]
    naive = client.get("/v1/procedures", params={"from": "2027-03-16T00:00:00"}, headers=staff)
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "from"


def test_texts_due_tomorrow_are_listed_by_due_time_in_each_patients_zone(client, staff):
    maria = enroll(client, staff, timezone="America/Los_Angeles")
    ana = enroll(
        client,
        staff,
        given_name="Ana",
        family_name="Reyes",
        phone="(212) 555-0177",
        timezone="America/New_York",
    )
    book(client, staff, maria["id"], "2027-03-16T07:00:00")  # prep_week 9:00 Pacific, 9 March
    book(client, staff, ana["id"], "2027-03-16T07:00:00")  # prep_week 9:00 Eastern, 9 March
    window = {
        "status": "pending",
        "due_from": "2027-03-09T00:00:00Z",
        "due_to": "2027-03-10T00:00:00Z",
    }
    everything = client.get("/v1/reminders", params=window, headers=staff).json()
    # The first text of each timeline carries the opt-out line: a step due with prep_week.
    notices = [r for r in everything if r["step"] == "opt_out_notice"]
    listed = [r for r in everything if r["step"] != "opt_out_notice"]
    # Each baseline check-in question follows its week-before text, 5 minutes later.
    assert [(r["patient_id"], r["step"]) for r in listed] == [
        (ana["id"], "prep_week"),
        (ana["id"], "question_pain"),
        (maria["id"], "prep_week"),
        (maria["id"], "question_pain"),
    ]
    texts = [r for r in listed if r["step"] == "prep_week"]
    assert sorted((r["patient_id"], r["due_at"]) for r in notices) == sorted(
        (r["patient_id"], r["due_at"]) for r in texts
    )
    assert [datetime.fromisoformat(r["local_due_at"]).hour for r in texts] == [9, 9]
    assert [r["timezone"] for r in texts] == ["America/New_York", "America/Los_Angeles"]

    page = client.get("/v1/reminders", params={**window, "limit": 1}, headers=staff)
    # Two texts, each with its opt-out line, and two baseline questions.
    assert page.headers["X-Total-Count"] == "6"
    assert (
        "offset=1" in page.headers["Link"]
        and "due_from=2027-03-09T00%3A00%3A00" in page.headers["Link"]
    )
    following = client.get(page.headers["Link"].split(">")[0][1:], headers=staff)
    # The next page starts with the second of the six rows: Ana's texts come first.
    assert [r["patient_id"] for r in following.json()] == [ana["id"]]
