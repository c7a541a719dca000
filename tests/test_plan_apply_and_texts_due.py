"""One rule in one place: applying the plan is checked against the version whose dry
run was read, over the API as in the console; "texts due" means the same on Today and
in the API's worklist."""

from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.console.today_view import read_today
from service.timeline.plan import OPT_OUT_STEP
from tests.conftest import book, enroll


def test_applying_a_plan_that_changed_since_the_dry_run_is_refused(client, staff, admin, engine):
    procedure = book(client, staff, enroll(client, staff)["id"], "2027-03-16T07:00:00")
    assert client.patch("/v1/plan", json={"fasting_hours": 6}, headers=admin).status_code == 200
    dry = client.post("/v1/plan/apply-to-pending?dry_run=true", headers=admin).json()
    assert (dry["version"], dry["procedure_ids"]) == (1, [procedure["id"]])
    # Someone saves another plan before the first admin applies what they checked.
    assert client.patch("/v1/plan", json={"fasting_hours": 4}, headers=admin).status_code == 200
    before = client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()

    stale = client.post("/v1/plan/apply-to-pending", params={"expected_version": 1}, headers=admin)
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "expected_version"
    assert client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json() == before

    applied = client.post(
        "/v1/plan/apply-to-pending", params={"expected_version": 2}, headers=admin
    )
    assert applied.status_code == 200 and applied.json()["version"] == 2
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEntry)) if e.entity == "plan"]
    assert actions == ["update", "update", "apply_to_pending"]  # saves and apply, audited


def test_today_and_the_api_agree_on_the_texts_due(client, staff, engine, settings, clock):
    patient = enroll(client, staff)
    # Booked a week ahead: the week-before text (with the opt-out line) is due at once.
    book(client, staff, patient["id"], "2027-03-05T07:00:00")
    due = client.get("/v1/reminders/due", headers=staff)
    assert due.status_code == 200
    assert int(due.headers["X-Total-Count"]) == len(due.json()) > 0
    with Session(engine) as session:
        today = read_today(session, clock.now, settings.clinic_zone)
    api = [(r["procedure_id"], r["next_attempt_at"]) for r in due.json()]
    console = [(r.procedure_id, r.at.isoformat().replace("+00:00", "Z")) for r in today.texts_due]
    assert [p for p, _ in api] == [p for p, _ in console]
    assert OPT_OUT_STEP not in {r["step"] for r in due.json()}
    pending = client.get("/v1/reminders", params={"status": "pending"}, headers=staff).json()
    assert len(pending) > len(due.json())  # the rest are later than 24 hours
