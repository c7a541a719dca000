"""Template limits as the clinic meets them, on SQLite and PostgreSQL: a costly draft is
refused at save and preview with the reason; one saved before the limits fails only its
own texts at send time; and a slow preview keeps nobody else waiting."""

import logging
import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.db import session_scope
from service.delivery.dispatch import Dispatcher
from service.messaging.models import Message
from service.templates import checks
from service.templates.models import MessageTemplate
from service.timeline.active import default_plan
from tests.conftest import book, enroll, new_york
from tests.fakes.gateways import RecordingGateway
from tests.support.apps import bound_app
from tests.support.console_server import ADMIN, STAFF, add_person, console_sign_in, csrf_token_of
from tests.support.twilio_webhooks import post_inbound
from tests.test_template_limits import NESTED_LOOPS, PAYLOADS


def _dispatcher(engine, settings, gateway):
    return Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id="w1"
    )


def test_every_payload_is_refused_at_save_and_preview_with_its_reason(client, admin, staff):
    for body, reason in PAYLOADS:
        saved = client.put("/v1/templates/ice/en", json={"body": body}, headers=admin)
        assert saved.status_code == 422, (body, saved.text)
        assert reason in saved.json()["detail"]
        assert saved.json()["errors"][0]["field"] == "body"
        shown = client.post("/v1/templates/preview", json={"body": body}, headers=staff)
        assert shown.status_code == 422, (body, shown.text)
        assert reason in shown.json()["detail"]
    versions = client.get("/v1/templates/ice/en", headers=admin).json()["versions"]
    assert [v["version"] for v in versions] == [0]


def test_the_console_live_preview_refuses_padding_with_the_reason(settings, engine, clock):
    with TestClient(bound_app(settings, engine, clock)) as console:
        add_person(engine, STAFF, clock.now)
        console_sign_in(console, STAFF.email, STAFF.password)
        token = csrf_token_of(console.get("/templates/ice/en").text)
        answer = console.post(
            "/templates/ice/en/preview",
            data={
                "csrf_token": token,
                "body": "{{ given_name.ljust(2*10**9)|length }}",
                "procedure_id": "",
            },
        )
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "body" and "pads a text to any length" in error["message"]


def test_a_template_saved_before_the_limits_fails_only_its_own_texts_at_send_time(
    client, staff, engine, settings, caplog
):
    # Saved straight into the table, as it was before the limits existed.
    with session_scope(engine) as session:
        session.add(
            MessageTemplate(
                step="prep_week",
                language="en",
                version=1,
                body="Prep." + NESTED_LOOPS,
                created_at=datetime(2027, 1, 1, tzinfo=UTC),
                is_active=True,
            )
        )
    for given, phone in (("Joan", "(212) 555-0142"), ("Lupe", "(212) 555-0143")):
        patient = enroll(client, staff, given_name=given, phone=phone)
        book(client, staff, patient["id"], "2027-03-16T07:00:00")
    gateway = RecordingGateway()
    with caplog.at_level(logging.ERROR, logger="reminders.templates"):
        report = _dispatcher(engine, settings, gateway).run_once(new_york("2027-03-09T09:00:30"))
    # Both patients get the default week-before text, quickly; the worker goes on.
    assert report.sent == 2
    assert all("blood thinners" in text.body for text in gateway.sent)
    with Session(engine) as session:
        messages = session.exec(select(Message)).all()
    assert {m.template_versions for m in messages} == {
        "frame:en:0,prep_week:en:0,opt_out_notice:en:0"
    }
    # Only the templates' errors: other records (the requests above) may be captured too.
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.name == "reminders.templates" and r.levelno >= logging.ERROR
    ]
    assert failures and all("prep_week:en:1 failed to render (OverLimit" in f for f in failures)
    assert not any(name in line for line in failures for name in ("Joan", "Lupe"))


@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_slow_preview_or_save_keeps_no_one_waiting(
    action, tw, staff, admin, engine, tw_settings, clock, monkeypatch
):
    """While a draft renders, a patient's text comes in, someone logs in and the worker
    claims and sends: no transaction (on SQLite, the write lock) is open meanwhile."""
    patient = enroll(tw, staff)
    book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    add_person(engine, ADMIN, clock.now)
    rendering, finish = threading.Event(), threading.Event()
    real_check = checks.refuse_if_invalid

    def slow_check(*args: object, **kwargs: object) -> None:
        rendering.set()
        assert finish.wait(60)
        real_check(*args, **kwargs)

    monkeypatch.setattr(checks, "refuse_if_invalid", slow_check)
    answers: list[int] = []
    draft = {"body": "Ice {{ given_name }}."}
    preview = threading.Thread(
        target=lambda: answers.append(
            tw.post("/v1/templates/preview", json=draft, headers=staff).status_code
            if action == "preview"
            else tw.put("/v1/templates/ice/en", json=draft, headers=admin).status_code
        )
    )
    preview.start()
    try:
        assert rendering.wait(30)
        assert post_inbound(tw, "Feeling ok", "+12125550142").status_code == 200
        console_sign_in(tw, ADMIN.email, ADMIN.password)
        report = _dispatcher(engine, tw_settings, RecordingGateway()).run_once(
            new_york("2027-03-09T09:00:30")
        )
        assert report.sent == 1
        assert not answers  # all that while, the draft was still rendering
    finally:
        finish.set()
        preview.join(30)
    assert answers == [200]
