"""Twilio's webhooks: signed delivery receipts and patients' replies (STOP, START, HELP,
warning signs), and the worker honouring opt-outs."""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.conversation.keywords import keyword_of
from service.conversation.triage import mentions_warning_sign
from service.delivery.dispatch import MAX_BACKOFF, Dispatcher
from service.messaging.models import Message
from service.optouts.models import PhoneOptOut
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import book, enroll, new_york
from tests.fakes.fake_twilio import delivery_receipt_form, post_delivery_receipt
from tests.fakes.gateways import RecordingGateway
from tests.support.apps import bound_app
from tests.support.twilio_webhooks import (
    AUTH_TOKEN,
    EMPTY_TWIML,
    INBOUND_URL,
    PUBLIC_BASE_URL,
    inbound_form,
    post_inbound,
    sign,
    twilio_settings,
)

PHONE = "+12125550142"
STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
START_WORDS = ["START", "YES", "UNSTOP"]


def _dispatcher(engine, settings, gateway):
    return Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id="worker-1"
    )


def _reminders(engine, procedure_id):
    with Session(engine) as session:
        return list(session.exec(select(Reminder).where(Reminder.procedure_id == procedure_id)))


def _opt_out(engine, phone=PHONE):
    with Session(engine) as session:
        return session.get(PhoneOptOut, phone)


def _patient_with_procedure(client, staff, **overrides):
    patient = enroll(client, staff, **overrides)
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    return patient, procedure


# --- signatures -------------------------------------------------------------------------


def test_a_validly_signed_reply_is_accepted(tw, staff, engine):
    _patient_with_procedure(tw, staff)
    response = post_inbound(tw, "STOP", PHONE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text == EMPTY_TWIML
    assert _opt_out(engine).opted_out


def _tampered(client):
    form = inbound_form("Thanks", PHONE, "SM" + "1" * 32)
    signature = sign(INBOUND_URL, form)
    form["Body"] = "STOP"
    return client.post(
        "/v1/twilio/inbound",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


def _wrong_url(client):
    return post_inbound(client, "STOP", PHONE, signed_url="http://testserver/v1/twilio/inbound")


def _wrong_token(client):
    form = inbound_form("STOP", PHONE, "SM" + "2" * 32)
    return client.post(
        "/v1/twilio/inbound",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(INBOUND_URL, form, token="someone-elses-token"),
        },
    )


def _missing(client):
    form = inbound_form("STOP", PHONE, "SM" + "3" * 32)
    return client.post(
        "/v1/twilio/inbound",
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


@pytest.mark.parametrize("post", [_tampered, _wrong_url, _wrong_token, _missing])
def test_a_badly_signed_reply_is_refused_and_changes_nothing(tw, staff, engine, post):
    patient, procedure = _patient_with_procedure(tw, staff)
    response = post(tw)
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["detail"]
    assert _opt_out(engine) is None
    assert {r.status for r in _reminders(engine, procedure["id"])} == {"pending"}
    assert tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json() == []


def test_a_badly_signed_receipt_is_refused_and_changes_nothing(tw, staff, engine, tw_settings):
    _patient_with_procedure(tw, staff)
    _dispatcher(engine, tw_settings, RecordingGateway()).run_once(new_york("2027-03-09T09:00:00"))
    form = delivery_receipt_form(message_sid="fake-1", status="delivered")
    response = tw.post(
        "/v1/twilio/status",
        content=urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(PUBLIC_BASE_URL + "/v1/twilio/status", {**form, "x": "y"}),
        },
    )
    assert response.status_code == 403
    with Session(engine) as session:
        message = session.exec(select(Message)).one()
    assert message.status == "sent"


def test_webhooks_answer_503_when_twilio_is_not_configured(client, staff):
    enroll(client, staff)
    response = post_inbound(client, "STOP", PHONE)
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["detail"]
    receipt = post_delivery_receipt(
        "/v1/twilio/status", message_sid="SMx", status="sent", client=client, auth_token="x"
    )
    assert receipt.status_code == 503


def test_webhooks_need_no_api_key_but_alerts_do(tw, staff):
    assert post_inbound(tw, "HELP", PHONE).status_code == 200
    assert tw.get("/v1/alerts").status_code == 401
    assert tw.get("/v1/alerts", headers=staff).status_code == 200


# --- keywords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        *STOP_WORDS,
        *(w.lower() for w in STOP_WORDS),
        " Stop ",
        "stop.",
        "STOP!",
        "\nOptOut\n",
        "Unsubscribe!!",
    ],
)
def test_every_stop_keyword_opts_the_number_out(tw, staff, engine, body):
    patient, _ = _patient_with_procedure(tw, staff)
    response = post_inbound(tw, body, PHONE)
    assert response.status_code == 200
    assert response.text == EMPTY_TWIML  # Twilio confirms STOP itself
    state = _opt_out(engine)
    assert state.opted_out and state.keyword == body.strip(" \n.!").upper()
    shown = tw.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert shown["opted_out"] is True
    assert shown["opted_out_since"] == "2027-03-01T14:00:00Z"


@pytest.mark.parametrize("body", [*START_WORDS, "start", " Yes ", "unstop!", "Start."])
def test_every_start_keyword_opts_the_number_back_in(tw, staff, engine, clock, body):
    patient, _ = _patient_with_procedure(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    clock.advance(hours=1)
    response = post_inbound(tw, body, PHONE)
    assert response.status_code == 200 and response.text == EMPTY_TWIML
    assert not _opt_out(engine).opted_out
    shown = tw.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert (shown["opted_out"], shown["opted_out_since"]) == (False, None)


@pytest.mark.parametrize("body", ["HELP", "help", " Info? "])
def test_help_replies_with_the_clinic_and_how_to_stop(tw, engine, body):
    response = post_inbound(tw, body, PHONE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Message>" in response.text
    assert "Lakeside Spine" in response.text
    assert "(555) 201-3344" in response.text
    assert "Reply STOP to opt out" in response.text
    assert _opt_out(engine) is None


@pytest.mark.parametrize("body", ["", "stop it please", "Stopped by the pharmacy", "yes please"])
def test_only_a_lone_keyword_counts(body):
    assert keyword_of(body) is None


def test_a_repeated_stop_keeps_the_first_date(tw, staff, engine, clock):
    enroll(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    clock.advance(days=1)
    post_inbound(tw, "stop", PHONE)
    assert _opt_out(engine).changed_at == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


def test_stop_skips_every_pending_reminder_and_the_worker_sends_nothing(
    tw, staff, engine, tw_settings
):
    _, procedure = _patient_with_procedure(tw, staff)
    # A family member sharing the phone is stopped too.
    _, relative_procedure = _patient_with_procedure(
        tw, staff, given_name="Jose", allow_duplicate=True
    )
    post_inbound(tw, "STOP", PHONE)
    for procedure_id in (procedure["id"], relative_procedure["id"]):
        reminders = _reminders(engine, procedure_id)
        assert reminders
        assert {(r.status, r.status_reason) for r in reminders} == {
            ("skipped", "patient replied STOP")
        }
    gateway = RecordingGateway()
    dispatcher = _dispatcher(engine, tw_settings, gateway)
    for when in ("2027-03-09T09:00:00", "2027-03-15T18:00:00", "2027-03-17T09:00:00"):
        dispatcher.run_once(new_york(when))
    assert gateway.bodies_to(PHONE) == []


def test_the_worker_skips_a_reminder_that_became_pending_after_the_stop(
    tw, staff, engine, tw_settings
):
    # E.g. a reschedule after the STOP re-plans reminders as pending: the worker still
    # checks the number before texting.
    _, procedure = _patient_with_procedure(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    with Session(engine) as session:
        for reminder in session.exec(
            select(Reminder).where(Reminder.procedure_id == procedure["id"])
        ):
            reminder.status, reminder.status_reason = "pending", None
            reminder.next_attempt_at = reminder.due_at
            session.add(reminder)
        session.commit()
    gateway = RecordingGateway()
    report = _dispatcher(engine, tw_settings, gateway).run_once(new_york("2027-03-09T09:00:00"))
    # The week-before text and the opt-out line riding with it.
    assert report.skipped == 2 and report.sent == 0 and gateway.sent == []
    prep = next(r for r in _reminders(engine, procedure["id"]) if r.step == "prep_week")
    assert (prep.status, prep.status_reason) == ("skipped", "patient replied STOP")


def test_start_resumes_the_reminders_that_can_still_help(tw, staff, engine, clock, tw_settings):
    _, procedure = _patient_with_procedure(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    # Back in after the procedure: the preparation texts no longer help, the recovery ones do.
    clock.now = new_york("2027-03-16T13:00:00")
    post_inbound(tw, "START", PHONE)
    reminders = {r.step: r for r in _reminders(engine, procedure["id"])}
    assert reminders["prep_week"].status == "skipped"
    assert reminders["fasting"].status == "skipped"
    resumed = [r for r in reminders.values() if r.status == "pending"]
    assert resumed
    for reminder in resumed:
        assert reminder.status_reason is None
        assert reminder.next_attempt_at == max(reminder.due_at, clock.now)
        assert reminder.useful_until > clock.now
    gateway = RecordingGateway()
    _dispatcher(engine, tw_settings, gateway).run_once(new_york("2027-03-17T09:00:00"))
    assert len(gateway.bodies_to(PHONE)) == 1


def test_start_at_night_waits_for_the_sending_window(tw, staff, engine, clock):
    _, procedure = _patient_with_procedure(tw, staff)
    post_inbound(tw, "STOP", PHONE)
    clock.now = new_york("2027-03-16T23:00:00")
    post_inbound(tw, "YES", PHONE)
    pending = [r for r in _reminders(engine, procedure["id"]) if r.status == "pending"]
    assert pending
    assert all(r.next_attempt_at >= new_york("2027-03-17T08:00:00") for r in pending)


def test_start_does_not_revive_reminders_skipped_for_other_reasons(tw, staff, engine):
    _, procedure = _patient_with_procedure(tw, staff)
    other_reason = "it could not be sent before it stopped being useful"
    with Session(engine) as session:
        prep = session.exec(
            select(Reminder).where(
                Reminder.procedure_id == procedure["id"], Reminder.step == "prep_week"
            )
        ).one()
        prep.status, prep.status_reason, prep.next_attempt_at = "skipped", other_reason, None
        session.add(prep)
        session.commit()
    post_inbound(tw, "STOP", PHONE)
    post_inbound(tw, "START", PHONE)
    reminders = {r.step: r for r in _reminders(engine, procedure["id"])}
    assert (reminders["prep_week"].status, reminders["prep_week"].status_reason) == (
        "skipped",
        other_reason,
    )
    assert reminders["fasting"].status == "pending"


# --- replies and warning signs ----------------------------------------------------------


def test_an_ordinary_reply_is_stored_on_the_latest_patient_with_the_number(tw, staff):
    enroll(tw, staff)
    relative = enroll(tw, staff, given_name="Jose", allow_duplicate=True)
    response = post_inbound(tw, "Thanks, see you Tuesday", PHONE, sid="SM" + "a" * 32)
    assert "not watched around the clock" in response.text  # the safety-net answer
    messages = tw.get(f"/v1/patients/{relative['id']}/messages", headers=staff).json()
    reply, answer = messages
    # Our answer is kept in the conversation too, so staff see what the patient was told.
    assert answer["direction"] == "outbound" and answer["steps"] == ["answer_to_reply"]
    assert "not watched around the clock" in answer["body"]
    assert reply["direction"] == "inbound" and reply["status"] == "received"
    assert reply["body"] == "Thanks, see you Tuesday"
    assert reply["provider_message_id"] == "SM" + "a" * 32
    assert tw.get("/v1/alerts", headers=staff).json() == []
    # Twilio re-sending the same reply stores it once.
    post_inbound(tw, "Thanks, see you Tuesday", PHONE, sid="SM" + "a" * 32)
    assert len(tw.get(f"/v1/patients/{relative['id']}/messages", headers=staff).json()) == 2


def test_a_reply_with_a_warning_sign_is_flagged_and_answered(tw, staff, clock):
    patient = enroll(tw, staff)
    post_inbound(tw, "feeling fine", PHONE)
    clock.advance(minutes=5)
    response = post_inbound(tw, "I have a fever and the site is bleeding", PHONE)
    assert response.status_code == 200
    assert "Lakeside Spine" in response.text
    assert "(555) 201-3344" in response.text
    assert "911" in response.text
    clock.advance(minutes=5)
    post_inbound(tw, "Now I can't feel my legs, numbness", PHONE)
    alerts = tw.get("/v1/alerts", headers=staff).json()
    assert [a["body"] for a in alerts] == [
        "Now I can't feel my legs, numbness",
        "I have a fever and the site is bleeding",
    ]
    assert alerts[1]["patient_id"] == patient["id"]
    assert alerts[1]["received_at"] == "2027-03-01T14:05:00Z"
    messages = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert {m["id"] for m in messages} >= {a["message_id"] for a in alerts}


def test_a_spanish_speaker_gets_the_urgent_answer_in_spanish(tw, staff):
    enroll(tw, staff, language="es")
    response = post_inbound(tw, "Tengo fiebre y mucho dolor", PHONE)
    assert "Llame" in response.text and "911" in response.text
    assert len(tw.get("/v1/alerts", headers=staff).json()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "I lost control of my bladder",
        "loss of bowel control since last night",
        "I think I have a fever",
        "running a temperature of 101",
        "it's bleeding through the bandage",
        "severe pain in my back",
        "the pain is getting worse",
        "worsening pain",
        "my leg feels numb",
        "numbness in my foot",
        "weakness in both legs",
        "My legs feel WEAK",
        "perdí el control de la vejiga",
        "no controlo la orina",
        "tengo fiebre",
        "está sangrando",
        "dolor muy fuerte",
        "el dolor está peor",
        "siento las piernas entumecidas",
        "debilidad en la pierna",
        "Me siento débil",
    ],
)
def test_warning_signs_are_recognised(text):
    assert mentions_warning_sign(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, see you Tuesday",
        "Should I keep taking my blood thinners?",
        "Can I shower tomorrow?",
        "Gracias, nos vemos el martes",
        "What time should I arrive next week?",
        "yes",
    ],
)
def test_ordinary_replies_are_not_flagged(text):
    assert not mentions_warning_sign(text)


class _AlertReceiver:
    def __init__(self):
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_an_urgent_reply_notifies_the_alert_webhook_without_words_or_numbers(
    database_url, engine, clock, staff
):
    receiver = _AlertReceiver()
    try:
        settings = twilio_settings(database_url, alert_webhook_url=receiver.url)
        app = bound_app(settings, engine, clock)
        with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
            patient = enroll(client, staff)
            post_inbound(client, "all good", PHONE)
            post_inbound(client, "I have a fever", PHONE)
            [alert] = client.get("/v1/alerts", headers=staff).json()
    finally:
        receiver.close()
    assert receiver.posts == [
        {
            "alert_id": alert["message_id"],
            "patient_id": patient["id"],
            "received_at": "2027-03-01T14:00:00+00:00",
        }
    ]


def test_an_unreachable_alert_webhook_does_not_fail_the_reply(database_url, engine, clock, staff):
    receiver = _AlertReceiver()
    dead_url = receiver.url
    receiver.close()  # nothing listens there any more
    settings = twilio_settings(database_url, alert_webhook_url=dead_url)
    with TestClient(bound_app(settings, engine, clock), base_url=PUBLIC_BASE_URL) as client:
        enroll(client, staff)
        response = post_inbound(client, "bleeding a lot", PHONE)
        assert response.status_code == 200 and "911" in response.text
        assert len(client.get("/v1/alerts", headers=staff).json()) == 1


# --- delivery receipts ------------------------------------------------------------------


def _sent_message(tw, staff, engine, settings):
    _patient_with_procedure(tw, staff)
    _dispatcher(engine, settings, RecordingGateway()).run_once(new_york("2027-03-09T09:00:00"))
    return "fake-1"


def _receipt(tw, sid, status, error_code=None):
    response = post_delivery_receipt(
        "/v1/twilio/status",
        message_sid=sid,
        status=status,
        error_code=error_code,
        auth_token=AUTH_TOKEN,
        client=tw,
    )
    assert response.status_code == 200, response.text
    assert response.text == EMPTY_TWIML
    return response


def _message(engine, sid):
    with Session(engine) as session:
        return session.exec(select(Message).where(Message.provider_message_id == sid)).one()


def test_receipts_move_a_message_forward_never_back(tw, staff, engine, tw_settings):
    sid = _sent_message(tw, staff, engine, tw_settings)
    _receipt(tw, sid, "delivered")
    _receipt(tw, sid, "sent")  # arrives late
    _receipt(tw, sid, "queued")
    _receipt(tw, sid, "undelivered", error_code=30003)
    message = _message(engine, sid)
    assert (message.status, message.error_code) == ("delivered", None)


def test_a_failed_receipt_stores_the_error_code(tw, staff, engine, tw_settings, clock):
    sid = _sent_message(tw, staff, engine, tw_settings)
    _receipt(tw, sid, "sent")
    clock.advance(minutes=1)
    _receipt(tw, sid, "failed", error_code=30006)
    _receipt(tw, sid, "sent")  # out of order: failed stays failed
    message = _message(engine, sid)
    assert (message.status, message.error_code) == ("failed", "30006")
    assert message.updated_at == clock.now


def test_replayed_receipts_are_harmless(tw, staff, engine, tw_settings, clock):
    sid = _sent_message(tw, staff, engine, tw_settings)
    _receipt(tw, sid, "delivered")
    first = _message(engine, sid).updated_at
    clock.advance(minutes=3)
    _receipt(tw, sid, "delivered")
    _receipt(tw, sid, "delivered")
    message = _message(engine, sid)
    assert (message.status, message.updated_at) == ("delivered", first)


def test_a_receipt_for_an_unknown_message_is_ignored(tw, staff, engine, tw_settings):
    sid = _sent_message(tw, staff, engine, tw_settings)
    _receipt(tw, "SM" + "f" * 32, "delivered")
    assert _message(engine, sid).status == "sent"


def _prep_week(engine):
    with Session(engine) as session:
        return session.exec(select(Reminder).where(Reminder.step == "prep_week")).one()


def test_a_text_the_carrier_could_not_deliver_is_sent_again(tw, staff, engine, tw_settings, clock):
    sid = _sent_message(tw, staff, engine, tw_settings)
    clock.now = new_york("2027-03-09T09:05:00")
    _receipt(tw, sid, "undelivered", error_code=30003)  # the phone was off
    again = _prep_week(engine)
    assert again.status == "pending"
    assert again.status_reason == "the carrier reported the text undelivered (30003); will retry"
    assert again.next_attempt_at > clock.now

    gateway = RecordingGateway(prefix="second-try")
    _dispatcher(engine, tw_settings, gateway).run_once(again.next_attempt_at)
    assert len(gateway.sent) == 1 and "blood thinners" in gateway.sent[0].body
    assert (_prep_week(engine).status, _prep_week(engine).attempts) == ("sent", 2)
    assert _message(engine, sid).status == "undelivered"  # the first try stays history


def test_a_phone_off_for_many_tries_is_tried_again_within_the_hour(
    staff, engine, database_url, clock
):
    # A clinic that lets the worker try a text 20 times; this one already went out 10
    # times to a phone that stayed off, and the carrier reports it undelivered again.
    settings = twilio_settings(database_url, send_max_attempts=20)
    with TestClient(bound_app(settings, engine, clock), base_url=PUBLIC_BASE_URL) as tw:
        sid = _sent_message(tw, staff, engine, settings)
        with Session(engine) as session:
            reminder = session.exec(select(Reminder).where(Reminder.step == "prep_week")).one()
            reminder.attempts = 10
            session.add(reminder)
            session.commit()
        clock.now = new_york("2027-03-09T09:05:00")
        _receipt(tw, sid, "undelivered", error_code=30003)
    again = _prep_week(engine)
    assert again.status == "pending"
    assert clock.now < again.next_attempt_at <= clock.now + MAX_BACKOFF


def test_a_text_to_a_landline_fails_visibly_instead_of_looking_sent(
    tw, staff, engine, tw_settings, clock
):
    sid = _sent_message(tw, staff, engine, tw_settings)
    _receipt(tw, sid, "failed", error_code=30006)
    reminder = _prep_week(engine)
    assert reminder.status == "failed"
    assert (
        reminder.status_reason == "the carrier reported the text failed (30006) after 1 attempt(s)"
    )
