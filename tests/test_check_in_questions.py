"""Check-in questions an admin manages (issue 18: "a clinic that holds a licence can add
questions as data"): a clinic adds its own question, a patient is asked it after the two
defaults and answers on its scale, retiring it stops asking, bad input and a concurrent
edit are refused naming the field. On SQLite and PostgreSQL.

The clinic's wording here is made up (no licensed instrument's wording in tests)."""

from tests.support.twilio_webhooks import read_inbox
from tests.test_check_in_stories import (  # noqa: F401 (fixtures)
    PAIN,
    WALK,
    gateway,
    patient,
    sms_gateway,
    tw_settings,
)

STIFF = "how stiff is your back"
STIFFNESS = {
    "key": "stiffness",
    "kind": "scale",
    "scale_min": 1,
    "scale_max": 5,
    "source": "Our own wording (made up for this clinic)",
    "wording": {
        "en": "One more: how stiff is your back this morning, from 1 (loose) to 5 (very "
        "stiff)? Reply with one number.",
        "es": "Una más: ¿qué tan rígida tiene la espalda esta mañana, del 1 (suelta) al 5 "
        "(muy rígida)? Responda con una cifra.",
    },
    "short_form": {
        "en": "Back stiffness this morning, from 1 to 5? Reply with one number.",
        "es": "¿Rigidez de la espalda esta mañana, del 1 al 5? Responda con una cifra.",
    },
}


def questions(tw, admin) -> dict[str, dict]:
    response = tw.get("/v1/check-in-questions", headers=admin)
    assert response.status_code == 200, response.text
    return {q["key"]: q for q in response.json()}


def field_of(response) -> str:
    return response.json()["errors"][0]["field"]


def test_the_two_defaults_are_listed_as_data_with_their_wording(tw, admin, staff):
    listed = questions(tw, admin)
    assert list(listed) == ["pain", "walking"]
    assert (listed["pain"]["kind"], listed["pain"]["scale_min"], listed["pain"]["scale_max"]) == (
        "scale", 0, 10,
    )  # fmt: skip
    assert listed["walking"]["kind"] == "minutes" and listed["walking"]["active"]
    assert "worst back or leg pain" in listed["pain"]["wording"]["en"]["text"]
    assert listed["pain"]["wording"]["en"]["version"] == 0  # the code default
    assert tw.get("/v1/check-in-questions", headers=staff).status_code == 403


def test_a_clinic_question_is_asked_after_the_defaults_and_retiring_it_stops_asking(
    patient,  # noqa: F811 (the fixture imported above)
    tw,
    staff,
    admin,
):
    added = tw.post("/v1/check-in-questions", json=STIFFNESS, headers=admin)
    assert added.status_code == 201, added.text
    assert (added.json()["position"], added.json()["version"]) == (3, 1)
    assert added.json()["short_form"]["es"]["version"] == 1  # a template version
    template = tw.get("/v1/templates/question_stiffness/en", headers=admin)
    assert template.status_code == 200 and STIFF in template.json()["body"]

    maria = patient()
    maria.morning_of("2027-03-09")
    maria.replies("5", "2027-03-09 10:00")
    assert any(WALK in t for t in maria.worker_at("2027-03-09 10:01"))
    maria.replies("20", "2027-03-09 10:05")
    asked = maria.worker_at("2027-03-09 10:06")
    assert len(asked) == 1 and STIFF in asked[0]
    # Its own scale: 9 is not an answer on 1-5; the short form goes back once.
    assert "from 1 to 5? Reply with one number" in maria.replies("9", "2027-03-09 10:10")
    assert "Thanks, we've noted 4 out of 5." in maria.replies("4", "2027-03-09 10:15")
    check_ins = maria.check_ins()
    assert check_ins[("stiffness", -7)]["value"] == 4
    assert check_ins[("stiffness", -7)]["status"] == "answered"
    assert check_ins[("stiffness", 3)]["status"] == "planned"
    # The number calls nobody (no thresholds for a clinic question); the non-answer waits.
    assert [r["body"] for r in read_inbox(tw, staff)] == ["9"]
    assert questions(tw, admin)["stiffness"]["answers"] == 1

    # Its key and kind are fixed now that answers exist.
    rekey = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"key": "stiff_back", "expected_version": 1},
        headers=admin,
    )
    assert rekey.status_code == 409 and field_of(rekey) == "key"
    rescale = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"scale_max": 10, "expected_version": 1},
        headers=admin,
    )
    assert rescale.status_code == 409 and field_of(rescale) == "scale_max"

    retired = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"active": False, "expected_version": 1},
        headers=admin,
    )
    assert retired.status_code == 200, retired.text
    assert (retired.json()["active"], retired.json()["version"]) == (False, 2)
    maria.morning_of("2027-03-19")
    maria.replies("4", "2027-03-19 10:00")
    assert any(WALK in t for t in maria.worker_at("2027-03-19 10:01"))
    maria.replies("30", "2027-03-19 10:05")
    assert maria.worker_at("2027-03-19 10:06") == []  # retired: not asked
    check_ins = maria.check_ins()
    assert check_ins[("stiffness", -7)]["value"] == 4  # its answer is kept
    assert ("stiffness", 3) not in check_ins
    assert check_ins[("pain", 3)]["value"] == 4

    outcomes = tw.get("/v1/outcomes", headers=admin).json()
    stiffness = [o for o in outcomes if o["question"] == "stiffness"]
    assert [(o["day"], o["asked"], o["answered"], o["median"]) for o in stiffness] == [
        (-7, 1, 1, 4)
    ]
    restore = tw.post("/v1/templates/question_stiffness/en/restore/0", headers=admin)
    assert restore.status_code == 422 and field_of(restore) == "version"

    fhir = tw.get(f"/fhir/R4/Observation?patient=Patient/{maria.record['id']}", headers=staff)
    codes = {e["resource"]["code"]["text"]: e["resource"] for e in fhir.json()["entry"]}
    assert codes["stiffness"]["code"]["coding"][0]["code"] == "stiffness"
    assert codes["pain"]["code"]["coding"][0]["code"] == "72514-3"


def test_bad_questions_and_a_concurrent_edit_are_refused_naming_the_field(tw, admin):
    def post(**changes):
        return tw.post("/v1/check-in-questions", json={**STIFFNESS, **changes}, headers=admin)

    for changes, field in (
        ({"kind": "stars"}, "kind"),
        ({"key": "Stiff Back"}, "key"),
        ({"key": "pain"}, "key"),
        ({"scale_max": 1}, "scale_max"),
        ({"kind": "minutes"}, "scale_min"),
        ({"source": " "}, "source"),
        ({"wording": {"en": STIFFNESS["wording"]["en"]}}, "wording.es"),
        ({"short_form": {**STIFFNESS["short_form"], "en": "Hello {{ oops"}}, "short_form.en"),
        ({"wording": {**STIFFNESS["wording"], "en": "Stiff? " * 200}}, "wording.en"),
    ):
        refused = post(**changes)
        assert refused.status_code in (409, 422), (changes, refused.text)
        assert field_of(refused) == field, (changes, refused.text)
    assert list(questions(tw, admin)) == ["pain", "walking"]  # nothing half-written
    assert tw.get("/v1/templates/question_stiffness/en", headers=admin).status_code == 404

    assert post().status_code == 201
    # Two admins read version 1; the first change wins, the second is refused.
    first = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"position": 1, "expected_version": 1},
        headers=admin,
    )
    assert first.status_code == 200, first.text
    second = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"wording": {"en": "Made-up rewording: stiffness 1 to 5?"}, "expected_version": 1},
        headers=admin,
    )
    assert second.status_code == 409 and field_of(second) == "expected_version"
    # Asked by position; a tie goes to the question added first.
    assert list(questions(tw, admin)) == ["pain", "stiffness", "walking"]
    missing = tw.patch("/v1/check-in-questions/stiffness", json={"position": 2}, headers=admin)
    assert missing.status_code == 422 and field_of(missing) == "expected_version"
    reworded = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"wording": {"en": "Made-up rewording: stiffness 1 to 5?"}, "expected_version": 2},
        headers=admin,
    )
    assert reworded.status_code == 200, reworded.text
    assert reworded.json()["wording"]["en"]["version"] == 2
    assert reworded.json()["wording"]["es"]["version"] == 1
    # No answers yet: the key may still change, and its texts follow it.
    renamed = tw.patch(
        "/v1/check-in-questions/stiffness",
        json={"key": "back_stiffness", "expected_version": 3},
        headers=admin,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["wording"]["en"]["text"] == "Made-up rewording: stiffness 1 to 5?"
    keep = tw.patch(
        "/v1/check-in-questions/pain", json={"key": "hurt", "expected_version": 1}, headers=admin
    )
    assert keep.status_code == 422 and field_of(keep) == "key"
