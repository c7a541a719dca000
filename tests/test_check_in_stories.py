"""Recovery check-ins, told as the clinic lives them: patients answer in English and
Spanish, a rising pain calls a person, a text that is not an answer (or answers the other
question) reaches the inbox, the check-ins move with the procedure, stop with a
cancellation or STOP, and a reply after the reminder still counts. On SQLite and
PostgreSQL."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import book, enroll, new_york, send_due
from tests.fakes.gateways import RecordingGateway
from tests.support.twilio_webhooks import post_inbound, read_inbox, twilio_settings

PHONE = "+12125550142"
ON_CALL = "+12125550777"
PAIN = "worst back or leg pain"
WALK = "minutes can you walk"


@pytest.fixture
def gateway():
    return RecordingGateway(prefix="checkin")


@pytest.fixture
def tw_settings(database_url):
    return twilio_settings(database_url, on_call_phone="(212) 555-0777")


@pytest.fixture
def sms_gateway(gateway):
    return gateway


class Patient:
    """One enrolled patient with a procedure, the worker at a local time, and replies."""

    def __init__(self, tw, staff, engine, settings, gateway, clock, **details) -> None:
        self.tw, self.staff, self.engine = tw, staff, engine
        self.settings, self.gateway, self.clock = settings, gateway, clock
        self.record = enroll(tw, staff, **details)
        self.procedure = book(tw, staff, self.record["id"], "2027-03-16T07:00:00")
        self.phone = self.record["phone"]

    def worker_at(self, local: str) -> list[str]:
        """One worker round at New York time `local`: the texts it sent the patient."""
        before = len(self.gateway.bodies_to(self.phone))
        self.clock.now = new_york(local)
        send_due(self.engine, self.settings, self.gateway, local)
        return self.gateway.bodies_to(self.phone)[before:]

    def morning_of(self, day: str) -> list[str]:
        """The worker's rounds on a check-in morning: the 09:00 texts (a long one in parts a
        minute apart), then the question a few minutes after them."""
        rounds = ("09:00", "09:01", "09:02", "09:05", "09:10")
        return [text for at in rounds for text in self.worker_at(f"{day} {at}")]

    def replies(self, words: str, local: str) -> str:
        """The patient texts `words` at New York time `local`; our answer (TwiML)."""
        self.clock.now = new_york(local)
        response = post_inbound(self.tw, words, self.phone)
        assert response.status_code == 200, response.text
        return response.text

    def check_ins(self) -> dict[tuple[str, int], dict]:
        response = self.tw.get(
            f"/v1/procedures/{self.procedure['id']}/check-ins", headers=self.staff
        )
        assert response.status_code == 200, response.text
        return {(c["question"], c["day"]): c for c in response.json()}


@pytest.fixture
def patient(tw, staff, engine, tw_settings, gateway, clock):
    def make(**details) -> Patient:
        return Patient(tw, staff, engine, tw_settings, gateway, clock, **details)

    return make


def test_patient_answers_every_check_in_and_sees_each_answer_noted(patient, tw, staff):
    maria = patient()
    assert maria.worker_at("2027-03-09 09:00")[0].count("Your MILD procedure") == 1
    asked = maria.worker_at("2027-03-09 09:05")  # its own text, a few minutes later
    assert len(asked) == 1 and PAIN in asked[0]
    assert "Thanks, we've noted 5 out of 10." in maria.replies("5", "2027-03-09 09:40")
    walking = maria.worker_at("2027-03-09 09:41")
    assert len(walking) == 1 and WALK in walking[0]
    assert "noted 20 minutes" in maria.replies("about 20 minutes", "2027-03-09 10:00")
    # Answered: no reminder the next day.
    assert maria.worker_at("2027-03-10 09:30") == []

    for day, local, pain, walk, noted in (
        (3, "2027-03-19", "6-7", "half an hour", "6-7 out of 10"),
        (14, "2027-03-30", "4 in my back, 3 in my leg", "an hour and a half", "4 out of 10"),
        (42, "2027-04-27", "2", "2 hours", "2 out of 10"),
        (90, "2027-06-14", "no pain", "60", "0 out of 10"),
    ):
        texts = maria.morning_of(local)
        assert sum(PAIN in t for t in texts) == 1, (day, texts)
        assert noted in maria.replies(pain, f"{local} 10:00")
        assert any(WALK in t for t in maria.worker_at(f"{local} 10:01"))
        assert "noted" in maria.replies(walk, f"{local} 10:30")

    check_ins = maria.check_ins()
    assert {k: v["value"] for k, v in check_ins.items()} == {
        ("pain", -7): 5, ("walking", -7): 20, ("pain", 3): 6.5, ("walking", 3): 30,
        ("pain", 14): 4, ("walking", 14): 90, ("pain", 42): 2, ("walking", 42): 120,
        ("pain", 90): 0, ("walking", 90): 60,
    }  # fmt: skip
    assert all(c["status"] == "answered" and c["asked_at"] for c in check_ins.values())
    # Bare numbers need nobody; "4 in my back, 3 in my leg" and "about 20 minutes" neither.
    assert [r["body"] for r in read_inbox(tw, staff)] == []


def test_admins_read_outcomes_per_time_point(patient, tw, staff, admin):
    answers = ((6, 3), (5, 4), (7, 7))
    people = [patient(given_name=f"P{n}", phone=f"(212) 555-01{n}0") for n in range(3)]
    people[0].morning_of("2027-03-09")
    for someone, (baseline, _) in zip(people, answers, strict=True):
        someone.replies(str(baseline), "2027-03-09 10:00")
    people[0].worker_at("2027-03-09 10:01")
    for someone in people:
        someone.replies("30", "2027-03-09 10:02")
    people[0].morning_of("2027-03-19")
    for someone, (_, day_3) in zip(people, answers, strict=True):
        someone.replies(str(day_3), "2027-03-19 10:00")
    assert tw.get("/v1/outcomes", headers=staff).status_code == 403  # admins only
    response = tw.get("/v1/outcomes?from=2027-03-01&to=2027-03-31", headers=admin)
    assert response.status_code == 200, response.text
    rows = {(r["question"], r["day"]): r for r in response.json()}
    day_3 = rows[("pain", 3)]
    assert (day_3["asked"], day_3["answered"], day_3["median"]) == (3, 3, 4)
    assert day_3["median_change"] == -1  # changes -3, -1, 0
    assert day_3["improved_share"] == pytest.approx(1 / 3)
    assert rows[("walking", -7)]["median"] == 30
    assert tw.get("/v1/outcomes?from=2027-04-01&to=2027-03-01", headers=admin).status_code == 422


def test_spanish_patient_is_asked_and_answered_in_spanish(patient):
    ana = patient(given_name="Ana", phone="(212) 555-0199", language="es")
    texts = ana.worker_at("2027-03-09 09:00") + ana.worker_at("2027-03-09 09:05")
    assert any("peor dolor de espalda o de pierna" in t for t in texts)
    assert "Gracias, anotamos 7 de 10." in ana.replies("siete de diez", "2027-03-09 10:00")
    assert any("caminar" in t for t in ana.worker_at("2027-03-09 10:01"))
    assert "anotamos 30 minutos" in ana.replies("media hora", "2027-03-09 10:05")
    assert ana.check_ins()[("walking", -7)]["value"] == 30


def test_rising_pain_calls_a_person_with_the_reason(patient, tw, staff, gateway):
    maria = patient()
    maria.morning_of("2027-03-09")
    maria.replies("3", "2027-03-09 10:00")
    maria.worker_at("2027-03-09 10:01")
    maria.replies("30", "2027-03-09 10:02")
    maria.morning_of("2027-03-19")
    answer = maria.replies("7", "2027-03-19 10:00")
    assert "noted 7 out of 10" in answer and "Someone from the clinic will call you" in answer
    first = read_inbox(tw, staff)[0]
    assert first["urgent"] and first["urgent_reason"] == "pain 7/10 on day 3; baseline 3"
    alerts = tw.get("/v1/alerts", headers=staff).json()
    assert alerts[0]["reason"] == "pain 7/10 on day 3; baseline 3"
    assert gateway.bodies_to(ON_CALL)  # paged like a warning sign
    # The walking question waits while the urgent answer waits for a person.
    assert maria.worker_at("2027-03-19 10:01") == []
    tw.post(f"/v1/inbox/{first['message_id']}/handle", headers=staff)
    assert any(WALK in t for t in maria.worker_at("2027-03-19 10:20"))


def test_pain_above_the_scale_records_nothing_but_calls_a_person(patient, tw, staff, gateway):
    maria = patient()
    maria.morning_of("2027-03-09")
    answer = maria.replies("11/10", "2027-03-09 10:00")
    assert "Someone from the clinic will call you" in answer and "noted" not in answer
    first = read_inbox(tw, staff)[0]
    assert first["body"] == "11/10" and first["urgent"]
    assert first["urgent_reason"] == "pain answer above the scale (0-10) on day -7"
    alerts = tw.get("/v1/alerts", headers=staff).json()
    assert alerts[0]["reason"] == first["urgent_reason"]
    assert gateway.bodies_to(ON_CALL)  # paged like a warning sign
    assert maria.check_ins()[("pain", -7)]["value"] is None
    # The question stays open: a number said later is recorded.
    assert "noted 9 out of 10" in maria.replies("9", "2027-03-09 10:20")
    assert maria.check_ins()[("pain", -7)]["value"] == 9


def test_a_warning_sign_inside_an_answer_is_recorded_and_urgent(patient, tw, staff):
    maria = patient()
    maria.morning_of("2027-03-09")
    answer = maria.replies("8 and I can't pee", "2027-03-09 10:00")
    assert "noted 8 out of 10" in answer
    assert "Call 911 or go to the emergency room now" in answer  # can't pee: seed 001
    assert maria.check_ins()[("pain", -7)]["value"] == 8
    assert read_inbox(tw, staff)[0]["urgent"]


def test_a_text_that_is_not_an_answer_gets_the_short_question_once_and_waits(patient, tw, staff):
    maria = patient()
    maria.morning_of("2027-03-09")
    again = maria.replies("what do you mean?", "2027-03-09 10:00")
    assert "from 0 (none) to 10 (worst)? Reply with one number" in again
    assert [r["body"] for r in read_inbox(tw, staff)] == ["what do you mean?"]
    assert maria.check_ins()[("pain", -7)]["value"] is None
    second = maria.replies("call me", "2027-03-09 10:05")
    assert "Reply with one number" not in second  # once only: now an ordinary reply
    assert maria.replies("6", "2027-03-09 10:10").count("noted 6 out of 10") == 1
    assert maria.check_ins()[("pain", -7)]["value"] == 6
    # A pain number sent to the walking question is no walking time: nothing recorded,
    # the walking question's short form once, and the text waits in the inbox.
    assert any(WALK in text for text in maria.worker_at("2027-03-09 10:11"))
    wrong_question = maria.replies("Pain is 6", "2027-03-09 10:15")
    assert "About how many minutes can you walk" in wrong_question
    assert "Pain is 6" in [r["body"] for r in read_inbox(tw, staff)]
    assert maria.check_ins()[("walking", -7)]["value"] is None
    assert "noted 20 minutes" in maria.replies("20 min", "2027-03-09 10:20")
    assert maria.check_ins()[("walking", -7)]["value"] == 20


def test_keywords_keep_their_meaning_during_a_check_in(patient):
    maria = patient()
    maria.morning_of("2027-03-09")
    assert "reminders about your MILD procedure" in maria.replies("HELP", "2027-03-09 10:00")
    maria.replies("STOP", "2027-03-09 10:01")
    check_ins = maria.check_ins()
    assert check_ins[("pain", -7)]["status"] == "asked"
    assert check_ins[("pain", 3)]["status"] == "skipped"
    assert "STOP" in check_ins[("pain", 3)]["reason"]
    assert maria.worker_at("2027-03-19 09:05") == []


def test_a_reschedule_moves_the_check_ins_and_a_cancellation_skips_them(patient, tw, staff):
    maria = patient()
    before = maria.check_ins()[("pain", 3)]["due_at"]
    moved = tw.patch(
        f"/v1/procedures/{maria.procedure['id']}",
        json={"scheduled_at": "2027-03-23T07:00:00"},
        headers=staff,
    )
    assert moved.status_code == 200
    after = maria.check_ins()[("pain", 3)]["due_at"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) == timedelta(days=7)
    tw.post(f"/v1/procedures/{maria.procedure['id']}/cancel", headers=staff)
    check_ins = maria.check_ins()
    assert {c["status"] for c in check_ins.values()} == {"skipped"}
    assert check_ins[("pain", 3)]["reason"] == "procedure cancelled"


def test_a_reply_after_the_reminder_is_still_recorded(patient):
    maria = patient()
    maria.morning_of("2027-03-19")
    assert maria.check_ins()[("pain", 3)]["status"] == "asked"
    reminder = [t for t in maria.morning_of("2027-03-20") if "Reply with one number" in t]
    assert len(reminder) == 1
    maria.clock.now = new_york("2027-03-21 12:00")
    assert maria.check_ins()[("pain", 3)]["status"] == "unanswered"
    assert "noted 4 out of 10" in maria.replies("4", "2027-03-21 15:00")
    assert maria.check_ins()[("pain", 3)]["status"] == "answered"


def test_admins_edit_check_ins_like_any_step_but_only_in_the_morning(tw, admin):
    steps = {s["name"]: s for s in tw.get("/v1/plan", headers=admin).json()["steps"]}
    assert (steps["check_in_day_14"]["day"], steps["check_in_day_14"]["at"]) == (14, "09:00:00")
    afternoon = tw.patch(
        "/v1/plan", json={"steps": [{"name": "check_in_day_14", "day": 14, "at": "14:00"}]},
        headers=admin,
    )  # fmt: skip
    assert afternoon.status_code == 422
    assert afternoon.json()["errors"][0]["field"] == "steps[0].at"
    moved = tw.patch(
        "/v1/plan", json={"steps": [{"name": "check_in_day_14", "day": 21, "at": "10:30"}]},
        headers=admin,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    saved = {s["name"]: s for s in moved.json()["steps"]}
    assert (saved["check_in_day_14"]["day"], saved["check_in_day_14"]["at"]) == (21, "10:30:00")


def test_answers_are_readable_as_fhir_observations(patient, tw, staff):
    maria = patient()
    maria.morning_of("2027-03-09")
    maria.replies("6-7", "2027-03-09 10:00")
    maria.worker_at("2027-03-09 10:01")
    maria.replies("20", "2027-03-09 10:05")
    found = tw.get(f"/fhir/R4/Observation?patient=Patient/{maria.record['id']}", headers=staff)
    assert found.status_code == 200, found.text
    entries = [e["resource"] for e in found.json()["entry"]]
    pain, walking = entries
    assert pain["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    }
    assert pain["valueQuantity"]["value"] == 6.5 and pain["status"] == "final"
    assert walking["code"]["coding"][0]["code"] == "walking-minutes"
    assert walking["valueQuantity"] == {
        "value": 20, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min",
    }  # fmt: skip
    one = tw.get(f"/fhir/R4/Observation/{pain['id']}", headers=staff)
    assert one.status_code == 200 and one.json()["subject"]["reference"].endswith(
        str(maria.record["id"])
    )
    assert tw.get("/fhir/R4/Observation/999", headers=staff).status_code == 404
