"""Moving, cancelling and late bookings: the patient is never left with a wrong fact."""

import pytest
from sqlmodel import Session

from service.errors import Conflict
from service.patients.service import get_patient
from service.procedures.changes import reschedule_procedure
from service.procedures.service import get_procedure
from service.procedures.visits import book_visit
from service.timeline.active import default_plan
from service.timeline.plan import FollowUpKind
from tests.conftest import book, enroll, front_desk, move, new_york, send_due
from tests.fakes.gateways import RecordingGateway


def _steps(procedure, status=None):
    return sorted(
        (r["step"], r["occurrence"])
        for r in procedure["reminders"]
        if status is None or r["status"] == status
    )


def _get(client, staff, procedure):
    return client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()


def test_moving_the_procedure_earlier_and_later_never_duplicates_a_reminder(client, staff):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    original = _steps(procedure)
    for when in ("2027-03-12T10:00:00", "2027-03-30T13:30:00", "2027-03-30T14:00:00"):
        moved = move(client, staff, procedure, when)
        assert _steps(moved) == original
        assert len({r["id"] for r in moved["reminders"]}) == len(original)
    fasting = next(r for r in moved["reminders"] if r["step"] == "fasting")
    assert fasting["local_due_at"] == "2027-03-29T18:00:00-04:00"


def test_a_patient_told_the_date_gets_one_correction_even_after_two_quick_moves(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")  # the week-before text
    clock.now = new_york("2027-03-09T12:00:00")
    move(client, staff, procedure, "2027-03-18T08:00:00")
    moved = move(client, staff, procedure, "2027-03-19T09:30:00")
    corrections = [r for r in moved["reminders"] if r["step"] == "procedure_moved"]
    assert [(r["status"], r["local_due_at"]) for r in corrections] == [
        ("pending", "2027-03-09T12:00:00-05:00")
    ]
    send_due(engine, settings, gateway, "2027-03-09T12:00:00")
    correction = gateway.sent[-1].body
    assert "has moved to Friday, March 19 at 9:30 AM" in correction
    assert "Nothing to eat" not in correction  # no fasting time had been given yet
    assert len(gateway.sent) == 2


def test_a_patient_not_yet_told_anything_gets_no_correction(client, staff):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    moved = move(client, staff, procedure, "2027-03-18T08:00:00")
    assert "procedure_moved" not in {r["step"] for r in moved["reminders"]}


def test_a_correction_after_the_fasting_text_repeats_the_new_fasting_time(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-15T18:00:00")
    clock.now = new_york("2027-03-15T19:00:00")
    move(client, staff, procedure, "2027-03-16T11:00:00")
    send_due(engine, settings, gateway, "2027-03-15T19:00:00")
    assert "Nothing to eat or drink from 3:00 AM on Tuesday, March 16" in gateway.sent[-1].body


def test_cancelling_after_the_patient_was_told_sends_one_cancellation_text(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")
    clock.now = new_york("2027-03-10T22:00:00")  # late evening: the text waits for morning
    cancelled = client.post(f"/v1/procedures/{procedure['id']}/cancel", headers=staff).json()
    notice = [r for r in cancelled["reminders"] if r["step"] == "procedure_cancelled"]
    assert [(r["status"], r["local_due_at"]) for r in notice] == [
        ("pending", "2027-03-11T08:00:00-05:00")
    ]
    assert {r["status"] for r in cancelled["reminders"] if r["step"] == "fasting"} == {"cancelled"}
    send_due(engine, settings, gateway, "2027-03-11T08:00:00")
    assert "Tuesday, March 16 is cancelled" in gateway.sent[-1].body
    send_due(engine, settings, gateway, "2027-03-16T09:00:00")
    assert len(gateway.sent) == 2


def test_enrolled_two_days_before_the_week_ahead_text_goes_out_at_once(client, staff, clock):
    clock.now = new_york("2027-03-14T10:15:00")
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    prep = next(r for r in procedure["reminders"] if r["step"] == "prep_week")
    assert (prep["status"], prep["local_due_at"]) == ("pending", "2027-03-14T10:15:00-04:00")


def test_enrolled_after_the_procedure_shows_each_skipped_text_with_its_reason(client, staff, clock):
    clock.now = new_york("2027-03-18T15:00:00")
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    by_step = {(r["step"], r["occurrence"]): r for r in _get(client, staff, procedure)["reminders"]}
    for step in ("prep_week", "fasting"):
        assert by_step[(step, 1)]["status"] == "skipped"
        assert by_step[(step, 1)]["status_reason"] == "enrolled after this reminder's time"
    assert by_step[("ice", 1)]["status"] == "skipped"  # day 1's ice text: that day only
    assert by_step[("ice", 2)]["status"] == "pending"


def test_a_booked_wound_check_replaces_the_book_your_visit_text(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    response = client.post(
        f"/v1/procedures/{procedure['id']}/appointments",
        json={"kind": "wound_check", "starts_at": "2027-03-24T14:30:00"},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    timeline = _get(client, staff, procedure)
    generic = next(r for r in timeline["reminders"] if r["step"] == "wound_check")
    assert generic["status"] == "cancelled"
    assert generic["status_reason"] == "replaced by reminders for the booked visit"
    reminders = {
        r["occurrence"]: r["local_due_at"]
        for r in timeline["reminders"]
        if r["step"] == "wound_check_visit"
    }
    assert reminders == {1: "2027-03-23T10:00:00-04:00", 2: "2027-03-24T08:00:00-04:00"}

    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-23T10:00:00")
    assert "wound check visit is Wednesday, March 24 at 2:30 PM" in gateway.sent[-1].body

    clock.now = new_york("2027-03-23T11:00:00")
    client.post(f"/v1/appointments/{visit['id']}/cancel", headers=staff)
    after = _get(client, staff, procedure)
    assert {r["step"]: r["status"] for r in after["reminders"] if r["occurrence"] == 2}[
        "wound_check_visit"
    ] == "cancelled"


def test_bad_visit_bookings_are_refused_clearly(client, staff):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    url = f"/v1/procedures/{procedure['id']}/appointments"
    before = client.post(
        url, json={"kind": "wound_check", "starts_at": "2027-03-15T09:00:00"}, headers=staff
    )
    assert before.status_code == 422
    assert before.json()["errors"][0]["field"] == "starts_at"
    unknown = client.post(
        url, json={"kind": "massage", "starts_at": "2027-03-24T09:00:00"}, headers=staff
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "kind"
    ok = {"kind": "two_week", "starts_at": "2027-03-30T09:00:00"}
    assert client.post(url, json=ok, headers=staff).status_code == 201
    twice = client.post(url, json=ok, headers=staff)
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "kind"
    assert client.post("/v1/appointments/999/cancel", headers=staff).status_code == 404


@pytest.mark.parametrize("change", ["reschedule", "book a visit"])
def test_a_change_that_waited_behind_a_cancel_does_not_bring_the_reminders_back(
    client, staff, engine, settings, clock, change
):
    # The front desk opens the procedure to move it (or book the wound check) while
    # a colleague cancels it; their change lands after the cancel was committed.
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    with Session(engine, expire_on_commit=False) as session:
        loaded = get_procedure(session, procedure["id"])
        loaded_patient = get_patient(session, patient["id"])
        session.commit()  # read before the cancel, as a request waiting on the lock did
        cancel = client.post(f"/v1/procedures/{procedure['id']}/cancel", headers=staff)
        assert cancel.status_code == 200
        plan = default_plan(settings)
        with pytest.raises(Conflict):
            if change == "reschedule":
                reschedule_procedure(
                    session,
                    loaded,
                    loaded_patient,
                    new_york("2027-03-20T07:00:00"),
                    plan,
                    front_desk(session, clock.now),
                    clock.now,
                )
            else:
                book_visit(
                    session,
                    loaded,
                    loaded_patient,
                    FollowUpKind.wound_check,
                    new_york("2027-03-24T14:30:00"),
                    plan,
                    front_desk(session, clock.now),
                    clock.now,
                )
        session.rollback()
    after = _get(client, staff, procedure)
    assert after["status"] == "cancelled"
    assert after["local_scheduled_at"] == "2027-03-16T07:00:00-04:00"
    assert after["appointments"] == []
    assert "pending" not in {r["status"] for r in after["reminders"]}


def test_a_correction_leads_with_what_changed_before_the_resent_week_before_text(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")  # the week-before text
    clock.now = new_york("2027-03-09T12:00:00")
    move(client, staff, procedure, "2027-03-15T08:00:00")  # its week-before is due now
    send_due(engine, settings, gateway, "2027-03-09T12:00:00")
    text = gateway.sent[-1].body
    assert text.index("has moved to Monday, March 15") < text.index("pre-procedure testing")
