"""When a procedure moves, the patient gets the pre-procedure texts again for the new date."""

from tests.conftest import book, enroll, move, new_york, send_due
from tests.fakes.gateways import RecordingGateway


def _live(procedure, step):
    return [r for r in procedure["reminders"] if r["step"] == step and r["status"] == "pending"]


def test_postponed_the_evening_before_after_the_fasting_text_gets_fasting_again(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")  # week before
    send_due(engine, settings, gateway, "2027-03-15T18:00:00")  # fasting, evening before
    assert "11:00 PM on Monday, March 15" in gateway.sent[-1].body
    clock.now = new_york("2027-03-15T19:30:00")
    moved = move(client, staff, procedure, "2027-03-23T07:00:00")

    [fasting] = _live(moved, "fasting")
    assert fasting["occurrence"] == 2
    assert fasting["local_due_at"] == "2027-03-22T18:00:00-04:00"
    assert "Nothing to eat or drink from 11:00 PM on Monday, March 22" in fasting["text"]
    [prep] = _live(moved, "prep_week")  # the week-before text, for the new date
    assert "Tuesday, March 23 at 7:00 AM" in prep["text"]
    [correction] = _live(moved, "procedure_moved")
    assert "moved to Tuesday, March 23" in correction["text"]
    sent_before = [r for r in moved["reminders"] if r["status"] == "sent"]
    assert all(r["text"] is None for r in sent_before)  # history: will not be sent again

    send_due(engine, settings, gateway, "2027-03-15T19:31:00")  # the correction
    send_due(engine, settings, gateway, "2027-03-16T09:00:00")  # the week-before, again
    send_due(engine, settings, gateway, "2027-03-22T18:00:00")
    assert "11:00 PM on Monday, March 22" in gateway.sent[-1].body
    assert gateway.sent[-1].body == fasting["text"]  # exactly what the API showed


def test_moved_four_weeks_out_after_the_week_before_text_gets_it_again(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff, language="es")
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")
    clock.now = new_york("2027-03-10T10:00:00")
    moved = move(client, staff, procedure, "2027-04-13T07:00:00")
    [prep] = _live(moved, "prep_week")
    assert prep["occurrence"] == 2
    assert prep["local_due_at"] == "2027-04-06T09:00:00-04:00"
    assert "martes 13 de abril a las 7:00 a.m." in prep["text"]
    [fasting] = _live(moved, "fasting")
    assert fasting["occurrence"] == 1 and fasting["local_due_at"] == "2027-04-12T18:00:00-04:00"
    assert _live(moved, "procedure_moved")  # and the correction, now
    send_due(engine, settings, gateway, "2027-04-06T09:00:00")
    assert "martes 13 de abril" in gateway.sent[-1].body


def test_moved_earlier_after_the_week_before_text_gets_it_at_once_with_the_correction(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-09T09:00:00")
    clock.now = new_york("2027-03-10T10:00:00")
    moved = move(client, staff, procedure, "2027-03-12T07:00:00")
    [prep] = _live(moved, "prep_week")
    [correction] = _live(moved, "procedure_moved")
    assert prep["due_at"] == correction["due_at"] == "2027-03-10T15:00:00Z"  # at once
    assert prep["text"] == correction["text"]  # one text
    assert "moved to Friday, March 12 at 7:00 AM" in prep["text"]
    assert "Please do the pre-procedure testing" in prep["text"]
    [fasting] = _live(moved, "fasting")
    assert fasting["local_due_at"] == "2027-03-11T18:00:00-05:00"
    send_due(engine, settings, gateway, "2027-03-10T10:00:30")
    assert gateway.sent[-1].body == prep["text"]


def test_a_second_move_replans_the_repeat_instead_of_adding_another(
    client, staff, engine, settings, clock
):
    patient = enroll(client, staff)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    send_due(engine, settings, RecordingGateway(), "2027-03-09T09:00:00")
    clock.now = new_york("2027-03-10T10:00:00")
    move(client, staff, procedure, "2027-04-13T07:00:00")
    moved = move(client, staff, procedure, "2027-04-20T07:00:00")
    [prep] = _live(moved, "prep_week")
    assert prep["occurrence"] == 2 and prep["local_due_at"] == "2027-04-13T09:00:00-04:00"
    assert [r["status"] for r in moved["reminders"] if r["step"] == "prep_week"].count(
        "cancelled"
    ) == 0
