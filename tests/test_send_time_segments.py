"""SMS_MAX_SEGMENTS holds when texts are sent, for any patient (issue 19): an accented name
makes every text UCS-2, and a slot that no longer fits goes out as several texts a minute
apart, warning signs first, nothing lost."""

from sqlmodel import Session, select

from service.db import session_scope
from service.delivery.dispatch import Dispatcher
from service.procedures.models import Reminder
from service.templates.segments import count_segments
from service.timeline.active import default_plan
from service.users.service import create_user
from tests.conftest import book, enroll, new_york
from tests.fakes.gateways import RecordingGateway
from tests.support.console_server import console_sign_in

PASSWORD = "quiet harbour lanterns 7 violet"


def _rounds(engine, settings, gateway, day: str, start: str, minutes: int) -> None:
    dispatcher = Dispatcher(
        engine, gateway, settings, plan=lambda: default_plan(settings), worker_id="w"
    )
    hour, minute = (int(x) for x in start.split(":"))
    for step in range(minutes):
        at = f"{day}T{hour + (minute + step) // 60:02d}:{(minute + step) % 60:02d}:30"
        dispatcher.run_once(new_york(at))


def test_maria_in_spanish_gets_the_day_of_texts_within_the_limit_warnings_whole(
    client, staff, engine, settings
):
    patient = enroll(client, staff, given_name="María", language="es")
    procedure = book(client, staff, patient["id"], "2027-03-17T07:00:00")  # a Wednesday
    gateway = RecordingGateway()
    _rounds(engine, settings, gateway, "2027-03-17", "11:00", 6)

    bodies = [t.body for t in gateway.sent]
    assert len(bodies) > 1
    for body in bodies:
        count = count_segments(body)
        assert count.encoding == "UCS-2" and count.segments <= settings.sms_max_segments
        assert body.startswith("Lakeside Spine: Hola, María.")
    said = " ".join(bodies)
    assert "Hoy descanse" in bodies[0]
    assert "Llame al 911 o vaya a urgencias de inmediato" in said
    assert "Llame al consultorio de inmediato si tiene fiebre" in said
    assert "Es normal que la herida se hinche un poco" in said
    assert said.index("911") < said.index("consultorio de inmediato")
    with Session(engine) as session:
        rows = session.exec(select(Reminder).where(Reminder.procedure_id == procedure["id"]))
        day_of = [r for r in rows if r.step.split("~")[0] == "day_of_rest"]
    assert len(day_of) == len(bodies) and all(r.status == "sent" for r in day_of)


def test_a_slot_that_does_not_fit_goes_out_a_minute_apart_warning_signs_first(
    client, staff, engine, settings
):
    patient = enroll(client, staff, given_name="Nguyễn", language="en")
    book(client, staff, patient["id"], "2027-03-17T07:00:00")
    gateway = RecordingGateway()
    # Day +2: ice, warning signs and the wound-check booking request share 09:00 (and
    # yesterday's shower and activity texts, still useful, catch up with them).
    _rounds(engine, settings, gateway, "2027-03-19", "09:00", 6)
    bodies = [t.body for t in gateway.sent]
    assert len(bodies) >= 2
    assert all(count_segments(b).segments <= settings.sms_max_segments for b in bodies)
    assert "Call 911" in bodies[0], bodies
    said = " ".join(bodies)
    assert said.index("Call 911") < said.index("wound check") < said.index("Ice day 2 of 7")
    assert "Saturday, March 27" in said


def test_begona_stays_gsm7_and_her_day_plus_one_text_is_whole(client, staff, engine, settings):
    patient = enroll(client, staff, given_name="Begoña", language="es")
    book(client, staff, patient["id"], "2027-03-17T07:00:00")
    gateway = RecordingGateway()
    _rounds(engine, settings, gateway, "2027-03-17", "11:00", 3)
    sent_on_the_day = len(gateway.sent)
    _rounds(engine, settings, gateway, "2027-03-18", "09:00", 3)
    [text] = gateway.sent[sent_on_the_day:]
    assert count_segments(text.body).encoding == "GSM-7"
    assert "Siga con las bolsas de hielo (1 de 7)" in text.body


def test_the_procedure_shows_each_texts_real_segment_count(client, staff, engine, clock):
    patient = enroll(client, staff, given_name="María", language="es")
    procedure = book(client, staff, patient["id"], "2027-03-17T07:00:00")
    shown = client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()
    pending = [r for r in shown["reminders"] if r["status"] == "pending"]
    assert {r["step"] for r in pending} >= {"day_of_rest", "warning_signs"}
    for reminder in pending:
        assert reminder["segments"] == count_segments(reminder["text"]).segments <= 4
    # Every text still to go, a cut step's continuation too, with its real count.
    texts = shown["pending_texts"]
    assert any("~" in step for text in texts for step in text["steps"])
    for text in texts:
        assert text["segments"] == count_segments(text["text"]).segments <= 4
    with session_scope(engine) as session:
        create_user(
            session,
            email="dana@lakeside.test",
            name="Dana Reyes",
            role="staff",
            password=PASSWORD,
            now=clock.now,
        )
    console_sign_in(client, "dana@lakeside.test", PASSWORD)
    page = client.get(f"/procedures/{procedure['id']}")
    assert page.status_code == 200
    for text in texts:
        assert f"{text['segments']} SMS segment" in page.text
