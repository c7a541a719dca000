"""Admins edit the timeline plan; new bookings follow it, pending ones on request."""

import json
from datetime import datetime

import pytest
from sqlmodel import Session, select

from service.timeline.active import active_plan_for_engine, default_plan
from service.timeline.models import TimelinePlanRecord
from tests.conftest import book, enroll


def _plan(**overrides):
    body = {
        "fasting_hours": 8,
        "sending_window": {"opens": "08:00", "closes": "21:00"},
        "steps": [],
    }
    body.update(overrides)
    return body


def _local_due(procedure, step, occurrence=1):
    for r in procedure["reminders"]:
        if r["step"] == step and r["occurrence"] == occurrence:
            return datetime.fromisoformat(r["local_due_at"]).strftime("%Y-%m-%d %H:%M"), r["status"]
    raise AssertionError(step)


def test_the_default_plan_is_version_0(client, admin):
    plan = client.get("/v1/plan", headers=admin).json()
    assert (plan["version"], plan["fasting_hours"]) == (0, 8)
    assert plan["sending_window"] == {"opens": "08:00:00", "closes": "21:00:00"}
    prep = next(s for s in plan["steps"] if s["name"] == "prep_week")
    assert (prep["day"], prep["at"], prep["phase"], prep["enabled"]) == (
        -7,
        "09:00:00",
        "before",
        True,
    )
    rest = next(s for s in plan["steps"] if s["name"] == "day_of_rest")
    assert rest["at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_plan(fasting_hours=0), "fasting_hours"),
        (_plan(fasting_hours=25), "fasting_hours"),
        (_plan(sending_window={"opens": "09:00", "closes": "09:30"}), "sending_window.closes"),
        (_plan(sending_window={"opens": "21:00", "closes": "08:00"}), "sending_window.closes"),
        (_plan(steps=[{"name": "prep_week", "day": 2, "at": "09:00"}]), "steps[0].day"),
        (_plan(steps=[{"name": "fasting", "day": 0, "at": "09:00"}]), "steps[0].day"),
        (
            _plan(steps=[{"name": "prep_week", "day": -2, "at": "09:00", "repeat": 3}]),
            "steps[0].repeat",
        ),
        (_plan(steps=[{"name": "shower", "day": -1, "at": "09:00"}]), "steps[0].day"),
        (
            _plan(
                steps=[
                    {"name": "ice", "day": 1, "at": "09:00"},
                    {"name": "nap", "day": 1, "at": "09:00"},
                ]
            ),
            "steps[1].name",
        ),
        (_plan(steps=[{"name": "ice", "day": 1, "at": "23:00"}]), "steps[0].at"),
        (_plan(steps=[{"name": "prep_week", "day": -7, "at": None}]), "steps[0].at"),
        (_plan(sending_window={"opens": "10:00", "closes": "17:00"}), "sending_window"),
    ],
)
def test_an_invalid_plan_is_refused_naming_the_field(client, admin, body, field):
    response = client.put("/v1/plan", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get("/v1/plan", headers=admin).json()["version"] == 0


def test_a_type_error_also_names_the_field(client, admin):
    response = client.put("/v1/plan", json=_plan(fasting_hours="lots"), headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "fasting_hours"


def test_a_saved_plan_applies_to_new_bookings_and_to_pending_ones_on_request(
    client, staff, admin, engine, settings
):
    patient = enroll(client, staff)
    before = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    assert _local_due(before, "prep_week") == ("2027-03-09 09:00", "pending")

    new_plan = _plan(
        fasting_hours=6,
        steps=[
            {"name": "prep_week", "day": -5, "at": "10:00"},
            {"name": "ice", "day": 1, "at": "09:00", "enabled": False, "repeat": 7},
        ],
    )
    response = client.put("/v1/plan", json=new_plan, headers=admin)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert (saved["version"], saved["fasting_hours"]) == (1, 6)
    assert active_plan_for_engine(settings, engine).fasting_hours == 6  # what the worker reads
    assert default_plan(settings).fasting_hours == 8  # the settings alone

    # Booked before the change: untouched until applied.
    untouched = client.get(f"/v1/procedures/{before['id']}", headers=staff).json()
    assert _local_due(untouched, "prep_week") == ("2027-03-09 09:00", "pending")

    other = enroll(client, staff, phone="(212) 555-0199")
    after = book(client, staff, other["id"], "2027-03-16T07:00:00")
    assert _local_due(after, "prep_week") == ("2027-03-11 10:00", "pending")
    assert not any(r["step"] == "ice" for r in after["reminders"])
    assert after["fasting_starts_at"].startswith("2027-03-16T05:00")  # 6 h before, in UTC

    report = client.post("/v1/plan/apply-to-pending", headers=admin).json()
    assert report["procedures"] == 1
    assert report["reminders_cancelled"] == 7  # the seven ice texts
    assert report["reminders_changed"] >= 8  # + prep_week moved (and fasting moved)
    replanned = client.get(f"/v1/procedures/{before['id']}", headers=staff).json()
    assert _local_due(replanned, "prep_week") == ("2027-03-11 10:00", "pending")
    assert _local_due(replanned, "ice") == ("2027-03-17 09:00", "cancelled")

    again = client.post("/v1/plan/apply-to-pending", headers=admin).json()
    assert again == {
        "dry_run": False,
        "version": 1,
        "procedures": 0,
        "procedure_ids": [],
        "reminders_changed": 0,
        "reminders_added": 0,
        "reminders_cancelled": 0,
        "changes": [],
    }


def test_saving_twice_keeps_every_version(client, admin):
    client.put("/v1/plan", json=_plan(fasting_hours=6), headers=admin)
    client.put("/v1/plan", json=_plan(fasting_hours=10), headers=admin)
    plan = client.get("/v1/plan", headers=admin).json()
    assert (plan["version"], plan["fasting_hours"]) == (2, 10)


def test_a_plan_saved_before_a_step_existed_still_shows_that_step_at_its_default(
    client, admin, engine
):
    # The clinic saved its plan last year; since then the code gained a step (here:
    # `driving`, taken out of the saved JSON to stand in for it).
    assert client.put("/v1/plan", json=_plan(fasting_hours=6), headers=admin).status_code == 200
    with Session(engine) as session:
        record = session.exec(select(TimelinePlanRecord)).one()
        body = json.loads(record.body)
        del body["steps"]["driving"]
        record.body = json.dumps(body)
        session.add(record)
        session.commit()
    response = client.get("/v1/plan", headers=admin)
    assert response.status_code == 200, response.text
    plan = response.json()
    driving = next(step for step in plan["steps"] if step["name"] == "driving")
    assert (plan["fasting_hours"], driving["day"], driving["at"]) == (6, 3, "09:00:00")
