"""The care team hears every reply: answered, flagged, listed in the inbox, handled;
urgent ones page the on-call phone; visits are confirmed by text; staff text patients."""

import pytest
from sqlmodel import Session, select

from service.audit.models import AuditEntry
from service.delivery.gateway import SendFailed
from service.procedures.appointments import Appointment
from tests.conftest import book, enroll
from tests.fakes.gateways import RecordingGateway
from tests.support.twilio_webhooks import (
    EMPTY_TWIML,
    post_inbound,
    read_inbox,
    twilio_settings,
)

PHONE = "+12125550142"
ON_CALL = "+12125550777"


@pytest.fixture
def gateway():
    return RecordingGateway(prefix="api")


@pytest.fixture
def tw_settings(database_url):
    return twilio_settings(database_url, on_call_phone="(212) 555-0777")


@pytest.fixture
def sms_gateway(gateway):
    return gateway


@pytest.mark.parametrize(
    ("language", "routine", "urgent", "routine_answer", "urgent_answer"),
    [
        (
            "en",
            "What time should I arrive?",
            "I can't pee since this morning",
            "not watched around the clock",
            "Call 911 or go to the emergency room now",
        ),
        (
            "es",
            "¿A qué hora tengo que llegar?",
            "no puedo orinar desde anoche",
            "Nadie lee estos mensajes a toda hora",
            "Llame al 911 o vaya a urgencias de inmediato",
        ),
    ],
)
def test_every_reply_is_answered_listed_urgent_first_and_handled(
    tw, staff, engine, clock, language, routine, urgent, routine_answer, urgent_answer
):
    patient = enroll(tw, staff, language=language)
    procedure = book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    first = post_inbound(tw, routine, PHONE)
    assert routine_answer in first.text and "(555) 201-3344" in first.text
    clock.advance(minutes=30)
    second = post_inbound(tw, urgent, PHONE)
    assert urgent_answer in second.text

    inbox = read_inbox(tw, staff)
    assert [r["body"] for r in inbox] == [urgent, routine]  # urgent first
    assert inbox[0]["urgent"] is True and inbox[1]["urgent"] is False
    assert inbox[0]["given_name"] == "Maria" and inbox[0]["family_name"] == "Lopez"
    assert inbox[0]["procedure_id"] == procedure["id"]
    assert inbox[0]["language"] == language

    metrics = tw.get("/metrics").text
    assert "replies_unhandled 2.0" in metrics
    assert "replies_oldest_unhandled_seconds 1800.0" in metrics

    clock.advance(minutes=5)
    handled = tw.post(
        f"/v1/inbox/{inbox[0]['message_id']}/handle",
        json={"note": "called back, sent to the ER"},
        headers=staff,
    )
    assert handled.status_code == 200, handled.text
    assert handled.json()["handled_by"] == "test staff"
    assert handled.json()["note"] == "called back, sent to the ER"
    assert [r["body"] for r in read_inbox(tw, staff)] == [routine]
    assert tw.post(f"/v1/inbox/{inbox[1]['message_id']}/handle", headers=staff).status_code == 200
    assert read_inbox(tw, staff) == []
    assert "replies_unhandled 0.0" in tw.get("/metrics").text

    again = tw.post(f"/v1/inbox/{inbox[0]['message_id']}/handle", headers=staff)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "message_id"
    messages = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    shown = {m["body"]: m for m in messages}
    assert shown[urgent]["handled_note"] == "called back, sent to the ER"
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry)).all()
    # One entry per look at the inbox (with its count), one per patient it showed.
    reads = [
        e for e in entries if e.entity == "inbox" and e.action == "read" and e.patient_id is None
    ]
    handles = [e for e in entries if e.entity == "reply" and e.action == "handle"]
    assert len(reads) == 3 and len(handles) == 2
    assert all("called back" not in e.changes for e in entries)  # notes never in the audit


def test_the_inbox_needs_a_staff_key_and_handles_only_replies(tw, staff):
    assert tw.get("/v1/inbox").status_code == 401
    assert tw.post("/v1/inbox/1/handle").status_code == 401
    missing = tw.post("/v1/inbox/999/handle", headers=staff)
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "message_id"
    bad = tw.post("/v1/inbox/1/handle", json={"note": "x", "extra": 1}, headers=staff)
    assert bad.status_code == 422


def test_an_urgent_reply_pages_on_call_without_any_patient_data(tw, staff, gateway, clock):
    enroll(tw, staff)
    post_inbound(tw, "all fine thanks", PHONE)
    assert gateway.sent == []  # a routine reply pages nobody
    post_inbound(tw, "the bandage is soaked with blood", PHONE)
    [page] = gateway.sent
    assert page.to == ON_CALL
    assert page.body == "Urgent patient reply waiting: open the inbox."
    for private in ("Maria", "Lopez", "0142", "blood", "bandage"):
        assert private not in page.body
    clock.advance(minutes=5)
    post_inbound(tw, "still bleeding a lot", PHONE)
    assert len(gateway.sent) == 1  # rate-limited: one page per 15 minutes
    clock.advance(minutes=15)
    post_inbound(tw, "tengo fiebre", PHONE)
    assert [t.to for t in gateway.sent] == [ON_CALL, ON_CALL]


def test_a_replayed_urgent_reply_pages_once(tw, staff, gateway, clock):
    enroll(tw, staff)
    sid = "SM" + "c" * 32
    post_inbound(tw, "temp is 102.3", PHONE, sid=sid)
    clock.advance(minutes=30)
    replay = post_inbound(tw, "temp is 102.3", PHONE, sid=sid)
    assert "911" in replay.text
    assert len(gateway.sent) == 1
    assert len(read_inbox(tw, staff)) == 1


def test_a_failed_page_does_not_fail_the_reply(tw, staff, gateway):
    enroll(tw, staff)
    gateway.failures.append(SendFailed("down", retryable=True, code="500"))
    response = post_inbound(tw, "I fell in the bathroom", PHONE)
    assert response.status_code == 200 and "911" in response.text
    assert len(read_inbox(tw, staff)) == 1


def _book_visit(client, staff, procedure_id, starts_at="2027-03-24T10:30:00"):
    response = client.post(
        f"/v1/procedures/{procedure_id}/appointments",
        json={"kind": "wound_check", "starts_at": starts_at},
        headers=staff,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    ("language", "word", "expected"),
    [
        ("en", "C", "your wound check visit on Wednesday, March 24 at 10:30 AM is confirmed"),
        ("en", "confirm", "is confirmed"),
        ("es", "CONFIRMAR", "queda confirmada"),
        ("es", "c", "del miércoles 24 de marzo a las 10:30 a.m."),
    ],
)
def test_a_patient_confirms_a_booked_visit_by_text(tw, staff, engine, language, word, expected):
    patient = enroll(tw, staff, language=language)
    procedure = book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    visit = _book_visit(tw, staff, procedure["id"])
    response = post_inbound(tw, word, PHONE)
    assert expected in response.text
    with Session(engine) as session:
        stored = session.get(Appointment, visit["id"])
    assert stored.confirmed_at is not None
    shown = tw.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()
    assert shown["appointments"][0]["confirmed_at"] == "2027-03-01T14:00:00Z"
    assert read_inbox(tw, staff) == []  # nothing for a person to do


def test_c_without_a_booked_visit_goes_to_the_inbox(tw, staff):
    enroll(tw, staff)
    response = post_inbound(tw, "C", PHONE)
    assert "not watched around the clock" in response.text
    assert [r["body"] for r in read_inbox(tw, staff)] == ["C"]


@pytest.mark.parametrize(
    ("language", "body", "expected"),
    [
        ("en", "R", "we will call you to find a new time"),
        ("en", "I need to reschedule my wound check", "we will call you"),
        ("es", "cambiar", "le llamaremos para buscar otra fecha"),
    ],
)
def test_a_reschedule_request_is_marked_in_the_inbox(tw, staff, language, body, expected):
    enroll(tw, staff, language=language)
    response = post_inbound(tw, body, PHONE)
    assert expected in response.text
    [reply] = read_inbox(tw, staff)
    assert reply["reschedule_request"] is True and reply["urgent"] is False


# --- staff's one-off texts ------------------------------------------------------------


def _send(client, staff, patient_id, **body):
    return client.post(
        f"/v1/patients/{patient_id}/messages",
        json={"body": "Please call us", **body},
        headers=staff,
    )


def test_staff_send_a_one_off_text_that_is_stored_and_audited(tw, staff, gateway, engine):
    patient = enroll(tw, staff)
    response = _send(tw, staff, patient["id"], body="Your wound check moved to 2pm.")
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["status"] == "sent" and sent["steps"] == ["staff_message"]
    assert sent["body"] == "Lakeside Spine: Your wound check moved to 2pm."
    assert [(t.to, t.body) for t in gateway.sent] == [(PHONE, sent["body"])]
    listed = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert [m["id"] for m in listed] == [sent["id"]]
    with Session(engine) as session:
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.entity == "message")).all()
    assert entry.action == "create" and "wound" not in entry.changes


def test_no_one_off_text_to_an_opted_out_number(tw, staff, gateway):
    patient = enroll(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    response = _send(tw, staff, patient["id"])
    assert response.status_code == 409 and "opted out" in response.json()["detail"]
    assert gateway.sent == []


def test_no_one_off_text_at_night_unless_staff_insist(tw, staff, gateway, clock):
    patient = enroll(tw, staff)
    clock.advance(hours=13)  # 22:00 in New York
    refused = _send(tw, staff, patient["id"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "outside_window"
    assert gateway.sent == []
    assert _send(tw, staff, patient["id"], outside_window=True).status_code == 201
    assert len(gateway.sent) == 1


@pytest.mark.parametrize("body", ["", "   ", "\x00", "x" * 1601])
def test_an_empty_or_overlong_one_off_text_is_refused_naming_the_body(tw, staff, body):
    patient = enroll(tw, staff)
    response = _send(tw, staff, patient["id"], body=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] in ("body", "body.body")


def test_a_one_off_text_the_provider_refuses_is_recorded_as_failed(tw, staff, gateway):
    patient = enroll(tw, staff)
    gateway.failures.append(SendFailed("invalid number", retryable=False, code="21211"))
    response = _send(tw, staff, patient["id"])
    assert response.status_code == 502
    [failed] = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert failed["status"] == "failed" and failed["error_code"] == "21211"


def test_a_one_off_text_to_an_unknown_patient_is_404(tw, staff):
    assert _send(tw, staff, 999).status_code == 404


def test_routine_replies_leave_no_answer_inside_the_window_but_stay_in_the_inbox(tw, staff, clock):
    enroll(tw, staff)
    post_inbound(tw, "thanks", PHONE)
    clock.advance(hours=1)
    assert post_inbound(tw, "see you soon", PHONE).text == EMPTY_TWIML
    assert len(read_inbox(tw, staff)) == 2
