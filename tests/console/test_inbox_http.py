"""The inbox pages over HTTP on SQLite and PostgreSQL: the API's rules hold in the
console too (opt-outs, the form token, a reply handled once)."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.app import create_app
from service.messaging.models import Direction, Message
from tests.conftest import book, enroll
from tests.fakes.gateways import RecordingGateway
from tests.support.console_server import Person, csrf_token_of, sign_in_new_person
from tests.support.twilio_webhooks import PUBLIC_BASE_URL, post_inbound, twilio_settings

PHONE = "+12125550142"
DANA = Person("dana@lakeside.test", "a long enough password", "Dana Reyes", "staff")


@pytest.fixture
def gateway():
    return RecordingGateway(prefix="desk")


@pytest.fixture
def desk(database_url, engine, clock, gateway, staff):
    """A TestClient signed in as a staff member, with Maria Lopez enrolled and booked."""
    app = create_app(twilio_settings(database_url), engine=engine, clock=clock)
    app.state.sms_gateway = gateway
    with TestClient(app, base_url=PUBLIC_BASE_URL) as client:
        patient = enroll(client, staff)
        book(client, staff, patient["id"], "2027-03-16T07:00:00")
        sign_in_new_person(client, engine, DANA, clock.now)
        yield client


def _reply_id(engine) -> int:
    with Session(engine) as session:
        message = session.exec(select(Message).where(Message.direction == Direction.inbound)).one()
        assert message.id is not None
        return message.id


def test_no_text_goes_to_a_patient_who_replied_stop(desk, engine, gateway):
    post_inbound(desk, "When do I stop eating?", PHONE)
    post_inbound(desk, "STOP", PHONE)
    reply = _reply_id(engine)
    page = desk.get(f"/inbox/{reply}")
    response = desk.post(
        f"/inbox/{reply}/reply",
        data={"body": "At 11pm the night before.", "csrf_token": csrf_token_of(page.text)},
    )
    assert response.status_code == 422
    assert "opted out" in response.text and 'id="body-error"' in response.text
    assert "At 11pm the night before." in response.text  # what was typed is kept
    assert gateway.bodies_to(PHONE) == []


def test_marking_handled_without_the_form_token_changes_nothing(desk, engine):
    post_inbound(desk, "Is the parking free?", PHONE)
    reply = _reply_id(engine)
    refused = desk.post(f"/inbox/{reply}/handle", data={"note": "told them"})
    assert refused.status_code == 403
    with Session(engine) as session:
        assert session.get(Message, reply).handled_at is None


def test_a_reply_is_handled_once_and_says_by_whom(desk, engine):
    post_inbound(desk, "Is the parking free?", PHONE)
    reply = _reply_id(engine)
    token = csrf_token_of(desk.get(f"/inbox/{reply}").text)
    first = desk.post(
        f"/inbox/{reply}/handle", data={"note": "", "csrf_token": token}, follow_redirects=False
    )
    assert first.status_code == 303 and first.headers["location"] == "/inbox"
    again = desk.post(f"/inbox/{reply}/handle", data={"note": "", "csrf_token": token})
    assert again.status_code == 409 and "Already handled by Dana Reyes" in again.text
    page = desk.get(f"/inbox/{reply}")
    assert "Handled by Dana Reyes" in page.text and "Mark as handled" not in page.text
    with Session(engine) as session:
        handled = session.get(Message, reply)
        assert handled.handled_by == "Dana Reyes" and handled.handled_by_key_id is None


def test_an_unknown_reply_is_a_page_not_found(desk):
    assert desk.get("/inbox/999999").status_code == 404
    assert desk.get("/inbox/not-a-number").status_code == 404
