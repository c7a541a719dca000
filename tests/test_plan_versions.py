"""Admins edit the plan the way they read it, see every version, and try changes first."""

from datetime import datetime

from tests.conftest import book, enroll


def _step(plan, name):
    return next(s for s in plan["steps"] if s["name"] == name)


def test_what_get_returns_can_be_sent_back_with_one_value_changed(client, admin):
    plan = client.get("/v1/plan", headers=admin).json()
    plan["fasting_hours"] = 6
    saved = client.put("/v1/plan", json=plan, headers=admin)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["version"], body["fasting_hours"], body["created_by"]) == (1, 6, "test admin")
    # Everything else, the three-month step's "3 months less a day" included, is as it was.
    assert _step(body, "three_month_followup") == _step(plan, "three_month_followup")
    assert body["steps"] == plan["steps"]


def test_a_patch_changes_only_the_fields_given_and_keeps_earlier_edits(client, admin):
    first = client.patch("/v1/plan", json={"fasting_hours": 6}, headers=admin)
    assert first.status_code == 200, first.text
    second = client.patch(
        "/v1/plan", json={"steps": [{"name": "ice", "repeat": 5, "at": "10:00"}]}, headers=admin
    ).json()
    assert second["version"] == 2
    assert second["fasting_hours"] == 6  # the first edit is kept
    ice = _step(second, "ice")
    assert (ice["day"], ice["repeat"], ice["at"], ice["enabled"]) == (1, 5, "10:00:00", True)
    window = client.patch(
        "/v1/plan", json={"sending_window": {"closes": "20:00"}}, headers=admin
    ).json()
    assert window["sending_window"] == {"opens": "08:00:00", "closes": "20:00:00"}

    bad = client.patch("/v1/plan", json={"steps": [{"name": "ice", "at": "23:30"}]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "steps[0].at"
    no_window = client.patch("/v1/plan", json={"sending_window": None}, headers=admin)
    assert no_window.status_code == 422
    assert no_window.json()["errors"][0]["field"] == "sending_window"
    unknown = client.patch("/v1/plan", json={"step": []}, headers=admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "step"
    assert client.get("/v1/plan", headers=admin).json()["version"] == 3


def test_every_plan_version_is_listed_and_an_old_one_can_be_restored(client, admin, staff):
    client.patch("/v1/plan", json={"fasting_hours": 6}, headers=admin)
    client.patch("/v1/plan", json={"fasting_hours": 10}, headers=admin)
    listed = client.get("/v1/plan/versions", headers=admin).json()
    assert [(v["version"], v["fasting_hours"], v["is_active"]) for v in listed] == [
        (2, 10, True),
        (1, 6, False),
    ]
    restored = client.post("/v1/plan/versions/1/restore", headers=admin)
    assert restored.status_code == 200, restored.text
    assert (restored.json()["version"], restored.json()["fasting_hours"]) == (3, 6)
    assert restored.json()["restored_from_version"] == 1
    default = client.post("/v1/plan/versions/0/restore", headers=admin).json()
    assert (default["version"], default["fasting_hours"]) == (4, 8)
    missing = client.post("/v1/plan/versions/99/restore", headers=admin)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "version"
    assert client.get("/v1/plan/versions", headers=staff).status_code == 403


def _pending(client, staff, procedure_id):
    body = client.get(f"/v1/procedures/{procedure_id}", headers=staff).json()
    return [(r["step"], r["due_at"], r["status"]) for r in body["reminders"]]


def test_new_fasting_hours_change_a_texts_words_and_the_report_names_the_procedure(
    client, staff, admin
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    client.patch("/v1/plan", json={"fasting_hours": 6}, headers=admin)

    # Fasting from 1:00 AM instead of 11:00 PM: no text moves, but the fasting text
    # (and the week-before text) say another time.
    dry = client.post("/v1/plan/apply-to-pending", params={"dry_run": True}, headers=admin)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["dry_run"], report["procedures"], report["procedure_ids"]) == (
        True,
        1,
        [procedure["id"]],
    )
    reworded = {c["step"] for c in report["changes"][0]["reminders"] if c["wording_changed"]}
    assert "fasting" in reworded
    applied = client.post("/v1/plan/apply-to-pending", headers=admin).json()
    assert (applied["dry_run"], applied["procedure_ids"]) == (False, [procedure["id"]])
    assert applied["changes"] == report["changes"]
    # Planned with the new version now: nothing more to apply.
    assert client.post("/v1/plan/apply-to-pending", headers=admin).json()["procedures"] == 0


def test_a_dry_run_shows_moved_texts_and_changes_nothing(client, staff, admin):
    patient = enroll(client, staff, timezone="America/Chicago")
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    before = _pending(client, staff, procedure["id"])
    client.patch("/v1/plan", json={"steps": [{"name": "shower", "day": 2}]}, headers=admin)

    report = client.post(
        "/v1/plan/apply-to-pending", params={"dry_run": True}, headers=admin
    ).json()
    [change] = report["changes"]
    assert change["timezone"] == "America/Chicago"
    [shower] = [r for r in change["reminders"] if r["step"] == "shower"]
    assert datetime.fromisoformat(shower["was_due_at"]).day == 17
    assert datetime.fromisoformat(shower["due_at"]).day == 18
    assert _pending(client, staff, procedure["id"]) == before
    audit = client.get("/v1/audit", headers=admin).json()
    assert not any(e["action"] == "apply_to_pending" for e in audit)
