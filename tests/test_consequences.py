"""Before staff confirm a change, they see what it would do to the patient's texts."""

from datetime import datetime

import pytest
from sqlmodel import Session

from service.errors import InvalidInput
from service.patients.service import get_patient
from service.procedures import consequences
from service.procedures.changes import cancel_procedure, reschedule_procedure
from service.procedures.consequences import Consequences
from service.procedures.service import get_procedure
from service.procedures.visits import book_visit
from service.timeline.active import default_plan
from service.timeline.plan import FollowUpKind
from tests.conftest import book, enroll, front_desk, new_york, send_due
from tests.fakes.gateways import RecordingGateway


def _timeline(client, staff, procedure_id):
    body = client.get(f"/v1/procedures/{procedure_id}", headers=staff).json()
    return [(r["id"], r["step"], r["due_at"], r["status"]) for r in body["reminders"]], body


def _told_the_date(client, staff, engine, settings, language="en"):
    patient = enroll(client, staff, language=language)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    send_due(engine, settings, RecordingGateway(), "2027-03-09T09:00:00")
    return procedure["id"]


def test_moving_a_procedure_shows_the_moved_texts_and_the_correction_without_changing_anything(
    client, staff, engine, settings
):
    procedure_id = _told_the_date(client, staff, engine, settings)
    before, _ = _timeline(client, staff, procedure_id)
    now = new_york("2027-03-09T12:00:00")
    with Session(engine) as session:
        procedure = get_procedure(session, procedure_id)
        patient = get_patient(session, procedure.patient_id)
        plan = default_plan(settings)
        shown = consequences.of_change(
            session,
            procedure,
            patient,
            plan,
            settings,
            lambda: reschedule_procedure(
                session,
                procedure,
                patient,
                datetime(2027, 3, 23, 8, 30),
                plan,
                front_desk(session, now),
                now,
            ),
        )
        session.commit()

    notice = shown.notice
    assert notice is not None and notice.step == "procedure_moved"
    assert notice.due_at == now  # inside the window: at once
    assert "has moved to Tuesday, March 23 at 8:30 AM" in notice.text
    assert "Lakeside Spine" in notice.text  # signed as the worker signs it
    fasting = next(c for c in shown.moved if c.step == "fasting")
    assert (fasting.was_due_at, fasting.due_at) == (
        new_york("2027-03-15T18:00"),
        new_york("2027-03-22T18:00"),
    )
    assert "Nothing to eat or drink" in fasting.text
    # The week-before text already sent stays history; it is planned again for the new
    # date (a second occurrence), since it can still help before March 23.
    prep = [c for c in shown.changes if c.step == "prep_week"]
    assert [(c.occurrence, c.was_due_at) for c in prep] == [(2, None)]
    # Nothing was written: the timeline is exactly as it was.
    assert _timeline(client, staff, procedure_id)[0] == before

    # Confirming does what was shown.
    moved = client.patch(
        f"/v1/procedures/{procedure_id}",
        json={"scheduled_at": "2027-03-23T08:30:00"},
        headers=staff,
    ).json()
    corrections = [r for r in moved["reminders"] if r["step"] == "procedure_moved"]
    assert len(corrections) == 1


def test_cancelling_shows_the_cancellation_text_in_the_patients_language(
    client, staff, engine, settings
):
    procedure_id = _told_the_date(client, staff, engine, settings, language="es")
    with Session(engine) as session:
        procedure = get_procedure(session, procedure_id)
        patient = get_patient(session, procedure.patient_id)
        plan, now = default_plan(settings), new_york("2027-03-10T10:00")
        shown = consequences.of_change(
            session,
            procedure,
            patient,
            plan,
            settings,
            lambda: cancel_procedure(
                session, procedure, patient, plan, front_desk(session, now), now
            ),
        )
    assert shown.notice is not None
    assert "Su procedimiento MILD del martes 16 de marzo queda cancelado" in shown.notice.text
    assert {c.step for c in shown.withdrawn} >= {"fasting", "ice", "day_of_rest"}
    assert all(c.status == "cancelled" for c in shown.withdrawn)
    _, body = _timeline(client, staff, procedure_id)
    assert body["status"] == "scheduled"


def test_booking_a_visit_shows_its_reminders_and_the_text_it_replaces(
    client, staff, engine, settings
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    with Session(engine) as session:
        row = get_procedure(session, procedure["id"])
        patient_row = get_patient(session, row.patient_id)
        plan, now = default_plan(settings), new_york("2027-03-02T10:00")
        desk = front_desk(session, now)

        def booking(starts_at: datetime) -> Consequences:
            return consequences.of_change(
                session,
                row,
                patient_row,
                plan,
                settings,
                lambda: book_visit(
                    session, row, patient_row, FollowUpKind.wound_check, starts_at, plan, desk, now
                ),
            )

        shown = booking(datetime(2027, 3, 24, 10, 30))
        with pytest.raises(InvalidInput) as refused:
            booking(datetime(2027, 3, 15, 10, 30))
    assert refused.value.field == "starts_at"
    assert shown.notice is None
    assert [c.step for c in shown.withdrawn] == ["wound_check"]
    assert shown.withdrawn[0].status_reason == "replaced by reminders for the booked visit"
    added = {c.step for c in shown.added}
    assert added == {"wound_check_visit"}
    assert all("10:30 AM" in (c.text or "") for c in shown.added)
    assert (
        client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()["appointments"] == []
    )
