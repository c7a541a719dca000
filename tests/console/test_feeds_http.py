"""What the clinic sees of the HL7 feed: the admin's Feeds page (counts, refusals first,
no PHI), and patients waiting for their YES on Today and on their page."""

from fastapi.testclient import TestClient

from tests.support.apps import bound_app
from tests.support.console_server import Person, sign_in_new_person
from tests.support.mllp import MllpClient, ack_code, running_listener
from tests.test_hl7_feed import PID_CAPITALS, siu

ADA = Person("ada@lakeside.test", "a long enough password", "Ada Park", "admin")


def test_admin_sees_the_feed_and_front_desk_sees_who_to_call(engine, settings, clock) -> None:
    with running_listener(engine, settings, clock) as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "F1", start="202703050900"))) == "AA"
        no_phone = PID_CAPITALS.replace("MRN4411", "MRN9").split("||(518)")[0] + "||"
        assert ack_code(feed.send(siu("S12", "F2", pid=no_phone))) == "AE"
        assert ack_code(feed.send(siu("S12", "F3", code="99213^Office visit^C4"))) == "AA"
    with TestClient(bound_app(settings, engine, clock)) as client:
        sign_in_new_person(client, engine, ADA, clock.now)
        page = client.get("/feeds").text
        # Counts per type; the refusal listed first, naming the field; no name or number.
        assert "SIU^S12" in page
        # Read the control ids in their cells: "F1" alone also turns up in the page's
        # random tokens.
        cell = '<td data-label="Control id">{}</td>'
        assert page.index(cell.format("F2")) < page.index(cell.format("F1"))
        assert "(at PID-13)" in page and "ignored" in page
        assert "García" not in page and "555" not in page
        assert '<a href="/patients/1">Patient 1</a>' in page

        today = client.get("/").text
        assert (
            "Waiting for the patient&#39;s YES" in today or "Waiting for the patient's YES" in today
        )
        assert "María José García Núñez" in today
        patient = client.get("/patients/1").text
        assert "Waiting for the patient" in patient and "HL7 feed" in patient
