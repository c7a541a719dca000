"""No patient's words are lost, whichever number they come from: a carer's phone, a new
phone, a picture with no words, an empty text, a keyword, a patient who replied STOP.
Each story goes through Twilio's signed webhook, on SQLite and PostgreSQL."""

import logging
import sqlite3

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service.app import create_app
from service.audit.models import AuditEntry
from service.auth.keys import create_api_key
from service.conversation.models import InboundReceipt
from service.db import session_scope
from service.messaging.models import Message
from service.optouts.models import PhoneOptOut
from tests.conftest import enroll, run_migrations
from tests.fakes.gateways import RecordingGateway
from tests.support.postgres import reset_database, server_down
from tests.support.twilio_webhooks import (
    EMPTY_TWIML,
    PUBLIC_BASE_URL,
    post_inbound,
    read_inbox,
    twilio_settings,
)

PHONE = "+12125550142"  # Maria Lopez, on file
CARER = "+13125550188"  # her daughter's phone: no patient has it
ON_CALL = "+12125550777"
FEVER = "My mother has a fever of 102 after her back procedure"


@pytest.fixture
def gateway():
    return RecordingGateway(prefix="api")


@pytest.fixture
def tw_settings(database_url):
    return twilio_settings(database_url, on_call_phone="(212) 555-0777")


@pytest.fixture
def sms_gateway(gateway):
    return gateway


def _inbound(engine):
    with Session(engine) as session:
        return list(
            session.exec(
                select(Message).where(Message.direction == "inbound").order_by(col(Message.id))
            )
        )


# --- a number not on file ----------------------------------------------------------------


def test_a_carer_texting_about_a_fever_reaches_the_inbox_first_and_pages_on_call(
    tw, staff, engine, clock, gateway, caplog
):
    enroll(tw, staff)
    post_inbound(tw, "What time should I arrive?", PHONE)
    clock.advance(minutes=10)
    with caplog.at_level(logging.DEBUG):
        answered = post_inbound(tw, FEVER, CARER)
    assert answered.status_code == 200
    assert "Call us now at (555) 201-3344" in answered.text  # the safety answer

    carer, maria = read_inbox(tw, staff)  # urgent first, though newer
    assert carer["body"] == FEVER and carer["urgent"] is True
    assert carer["number_on_file"] is False and carer["phone"] == CARER
    assert carer["patient_id"] is None
    assert carer["given_name"] is None and carer["family_name"] is None
    assert carer["procedure_id"] is None and carer["language"] == ""
    assert carer["received_at"] == "2027-03-01T14:10:00Z"
    assert maria["number_on_file"] is True and maria["given_name"] == "Maria"
    assert maria["phone"] == PHONE
    assert "replies_unhandled 2.0" in tw.get("/metrics").text
    alert = tw.get("/v1/alerts", headers=staff).json()
    assert [(a["body"], a["patient_id"]) for a in alert] == [(FEVER, None)]

    # The on-call clinician is paged, with nothing about who or what.
    [page] = gateway.sent
    assert page.to == ON_CALL and page.body == "Urgent patient reply waiting: open the inbox."
    # The number and the words are never logged (masked: country code and last four digits).
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert CARER not in logged and "5550188" not in logged and "fever" not in logged

    handled = tw.post(
        f"/v1/inbox/{carer['message_id']}/handle",
        json={"note": "called the daughter; mother sent to the ER"},
        headers=staff,
    )
    assert handled.status_code == 200, handled.text
    assert handled.json()["handled_by"] == "test staff"
    assert [r["body"] for r in read_inbox(tw, staff)] == ["What time should I arrive?"]
    with Session(engine) as session:
        [entry] = session.exec(
            select(AuditEntry).where(AuditEntry.action == "handle", AuditEntry.entity == "reply")
        ).all()
    assert entry.entity_id == str(carer["message_id"]) and entry.patient_id is None
    again = tw.post(f"/v1/inbox/{carer['message_id']}/handle", headers=staff)
    assert again.status_code == 409


def test_a_routine_text_from_a_number_not_on_file_is_answered_once_and_kept_each_time(
    tw, staff, engine, clock, gateway
):
    first = post_inbound(tw, "Hi, this is Maria's new phone", CARER)
    assert "the care team will read it" in first.text
    clock.advance(minutes=5)
    second = post_inbound(tw, "Please use this number from now on", CARER)
    assert second.text == EMPTY_TWIML  # one routine answer per conversation window
    assert [r["body"] for r in read_inbox(tw, staff)] == [
        "Hi, this is Maria's new phone",
        "Please use this number from now on",
    ]
    assert gateway.sent == []  # routine: nobody paged


def test_twilio_replaying_a_text_from_a_number_not_on_file_keeps_it_once(tw, staff, engine):
    sid = "SM" + "e" * 32
    first = post_inbound(tw, FEVER, CARER, sid=sid)
    replay = post_inbound(tw, FEVER, CARER, sid=sid)
    assert replay.status_code == 200 and replay.text == first.text
    assert len(read_inbox(tw, staff)) == 1
    with Session(engine) as session:
        receipt = session.get(InboundReceipt, sid)
    assert receipt is not None and receipt.action == "unknown_number"
    assert receipt.message_id == read_inbox(tw, staff)[0]["message_id"]


def test_stop_from_a_number_not_on_file_is_honoured_and_kept(tw, staff, engine):
    assert post_inbound(tw, "STOP", CARER).text == EMPTY_TWIML
    with Session(engine) as session:
        state = session.get(PhoneOptOut, CARER)
    assert state is not None and state.opted_out
    # Kept, already handled: the STOP needed no person.
    [stop] = _inbound(engine)
    assert stop.body == "STOP" and stop.patient_id is None
    assert stop.handled_by == "texts stopped by the reply"
    assert read_inbox(tw, staff) == []
    # Enrolled later with that number, she shows as opted out: no texts until START.
    patient = enroll(tw, staff, phone=CARER)
    shown = tw.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert shown["opted_out"] is True


def test_a_reply_from_a_number_that_is_not_a_phone_number_is_kept_with_what_twilio_sent(tw, staff):
    post_inbound(tw, "fever and chills", "LAKESIDE")
    [reply] = read_inbox(tw, staff)
    assert reply["phone"] == "LAKESIDE" and reply["urgent"] is True


# --- every other way words could go missing ----------------------------------------------


def test_keywords_are_kept_in_the_patients_conversation_already_handled(tw, staff, engine, clock):
    patient = enroll(tw, staff)
    for word in ("HELP", "STOP", "START", "Ayuda"):
        post_inbound(tw, word, PHONE)
        clock.advance(minutes=1)
    messages = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    inbound = [m for m in messages if m["direction"] == "inbound"]
    assert [(m["body"], m["handled_by"]) for m in inbound] == [
        ("HELP", "answered with the clinic's help text"),
        ("STOP", "texts stopped by the reply"),
        ("START", "texts resumed by the reply"),
        ("Ayuda", "answered with the clinic's help text"),
    ]
    # What she was told is kept too; nothing waits for a person.
    answers = [m["body"] for m in messages if m["steps"] == ["answer_to_reply"]]
    assert len(answers) == 2 and all("(555) 201-3344" in a for a in answers)
    assert read_inbox(tw, staff) == []


def test_a_patient_who_replied_stop_is_still_heard_but_not_texted_back(tw, staff, gateway):
    enroll(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    routine = post_inbound(tw, "Sorry, wrong button. Is my visit still Tuesday?", PHONE)
    assert routine.text == EMPTY_TWIML  # she asked for no texts: staff call instead
    urgent = post_inbound(tw, "I can't feel my legs", PHONE)
    assert "Call 911 or go to the emergency room now" in urgent.text  # the safety answer still goes
    inbox = read_inbox(tw, staff)
    assert [r["body"] for r in inbox] == [
        "I can't feel my legs",
        "Sorry, wrong button. Is my visit still Tuesday?",
    ]
    assert len(gateway.sent) == 1  # on-call paged for the urgent one


@pytest.mark.parametrize("body", ["", "\x00\x07\x1b", "   "])
def test_an_empty_text_still_reaches_the_inbox(tw, staff, body):
    enroll(tw, staff)
    response = post_inbound(tw, body, PHONE)
    assert response.status_code == 200
    [reply] = read_inbox(tw, staff)
    assert reply["body"] == body.replace("\x00", "").replace("\x07", "").replace("\x1b", "")
    assert reply["media_count"] == 0


def test_a_picture_with_no_words_reaches_the_inbox_as_a_picture(tw, staff, engine):
    patient = enroll(tw, staff)
    post_inbound(tw, "", PHONE, media=2)
    [reply] = read_inbox(tw, staff)
    assert reply["body"] == "" and reply["media_count"] == 2
    messages = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert messages[0]["media_count"] == 2


def test_a_keyword_sent_with_a_picture_still_acts_but_waits_for_a_person(tw, staff, engine):
    enroll(tw, staff)
    post_inbound(tw, "STOP", PHONE, media=1)
    with Session(engine) as session:
        assert session.get(PhoneOptOut, PHONE).opted_out
    [reply] = read_inbox(tw, staff)
    assert reply["body"] == "STOP" and reply["media_count"] == 1


def test_the_longest_text_twilio_delivers_is_kept_whole(tw, staff):
    enroll(tw, staff)
    # The largest post Twilio makes: 1,600 four-byte characters and ten pictures, well
    # inside the webhook's body limit (a 413 would lose the words).
    long_words = "🙁" * 1600
    assert post_inbound(tw, long_words, PHONE, media=10).status_code == 200
    [reply] = read_inbox(tw, staff)
    assert reply["body"] == long_words and reply["media_count"] == 10


def test_an_unreadable_media_count_neither_refuses_nor_loses_the_text(tw, staff):
    from urllib.parse import urlencode

    from tests.support.twilio_webhooks import INBOUND_URL, inbound_form, sign

    form = inbound_form("my incision is red and hot", CARER, "SM" + "f" * 32)
    form["NumMedia"] = "lots"
    response = tw.post(
        "/v1/twilio/inbound",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(INBOUND_URL, form),
        },
    )
    assert response.status_code == 200
    [reply] = read_inbox(tw, staff)
    assert reply["body"] == "my incision is red and hot" and reply["media_count"] == 0


# --- the database down: Twilio must hear a failure, never a 200 for a text not kept ------


def _clinic_without_fixtures(url, clock, **settings):
    run_migrations(url)
    app = create_app(twilio_settings(url, **settings), clock=clock)
    with session_scope(app.state.engine) as session:
        _, secret = create_api_key(session, role="staff", name="desk", now=clock.now)
    return app, {"Authorization": f"Bearer {secret}"}


def test_a_text_arriving_while_the_database_is_locked_is_refused_and_kept_on_the_retry(
    tmp_path, clock
):
    path = tmp_path / "reminders.db"
    app, staff = _clinic_without_fixtures(
        f"sqlite:///{path}", clock, sqlite_busy_timeout_seconds=0.2
    )
    sid = "SM" + "d" * 32
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
            refused = post_inbound(client, FEVER, CARER, sid=sid)
    finally:
        blocker.rollback()
        blocker.close()
    assert refused.status_code == 503  # not 200: Twilio retries, its log shows the error
    assert int(refused.headers["retry-after"]) > 0
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        retried = post_inbound(client, FEVER, CARER, sid=sid)
        assert retried.status_code == 200 and "Call us now" in retried.text
        assert [r["body"] for r in read_inbox(client, staff)] == [FEVER]
    app.state.engine.dispose()


@pytest.mark.postgres
def test_a_text_arriving_while_postgres_is_down_is_refused_and_kept_on_the_retry(
    postgres_url, clock
):
    reset_database(postgres_url)
    app, staff = _clinic_without_fixtures(postgres_url, clock)
    sid = "SM" + "b" * 32
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        enroll(client, staff)
        with server_down(postgres_url):
            refused = post_inbound(client, "My incision is leaking pus", PHONE, sid=sid)
        assert refused.status_code == 503, refused.text
        retried = post_inbound(client, "My incision is leaking pus", PHONE, sid=sid)
        assert retried.status_code == 200, retried.text
        assert [r["body"] for r in read_inbox(client, staff)] == ["My incision is leaking pus"]
    app.state.engine.dispose()


def test_the_api_docs_say_a_reply_may_come_from_a_number_not_on_file(settings):
    schemas = create_app(settings).openapi()["components"]["schemas"]
    reply = schemas["InboxReply"]["properties"]
    for field in ("patient_id", "given_name", "family_name"):
        assert {"type": "null"} in reply[field]["anyOf"], field
        assert "not on file" in reply[field]["description"]
    assert reply["number_on_file"]["type"] == "boolean"
    assert "call back" in reply["phone"]["description"]
    assert {"type": "null"} in schemas["AlertPublic"]["properties"]["patient_id"]["anyOf"]
