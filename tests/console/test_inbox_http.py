"""The inbox pages over HTTP on SQLite and PostgreSQL: the API's rules hold in the
console too (opt-outs, the form token, a reply handled once)."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

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
    """The one reply waiting for a person (a STOP is kept too, but already handled)."""
    with Session(engine) as session:
        message = session.exec(
            select(Message).where(
                Message.direction == Direction.inbound, col(Message.handled_at).is_(None)
            )
        ).one()
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


CARER = "+13125550188"


def test_a_reply_from_a_number_not_on_file_shows_the_number_to_call_and_is_handled(
    desk, engine, gateway
):
    post_inbound(desk, "My mother has a fever of 102 after her back procedure", CARER)
    listing = desk.get("/inbox")
    assert "Number not on file" in listing.text and f'href="tel:{CARER}"' in listing.text
    assert "Call back or mark handled" in listing.text
    today = " ".join(re.sub(r"<[^>]+>", "", desk.get("/").text).split())
    assert "1 reply waiting for a person" in today
    assert "A number not on file" in today  # among Today's urgent replies
    reply = _reply_id(engine)
    page = desk.get(f"/inbox/{reply}")
    assert page.status_code == 200
    assert "<h1>Reply from a number not on file</h1>" in page.text
    assert "Send text" not in page.text  # no consent on file: staff call instead
    assert "What the service texted back" in page.text and "Call us now" in page.text
    refused = desk.post(
        f"/inbox/{reply}/reply",
        data={"body": "Please call 911", "csrf_token": csrf_token_of(page.text)},
    )
    assert refused.status_code == 422 and "call them back instead" in refused.text
    assert gateway.sent == []
    handled = desk.post(
        f"/inbox/{reply}/handle",
        data={"note": "called the daughter", "csrf_token": csrf_token_of(page.text)},
        follow_redirects=False,
    )
    assert handled.status_code == 303
    assert "No replies are waiting" in desk.get("/inbox").text
    with Session(engine) as session:
        message = session.get(Message, reply)
        assert message.handled_by == "Dana Reyes" and message.patient_id is None


def test_a_picture_and_an_empty_text_say_so_in_the_inbox(desk):
    post_inbound(desk, "", PHONE, media=1)
    post_inbound(desk, "", PHONE)
    listing = desk.get("/inbox").text
    assert "Sent 1 picture or file, not shown here" in listing
    assert "An empty text: nothing was written." in listing
