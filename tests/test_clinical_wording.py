"""Issue 19, clinical: warning-sign texts say what to do, texts stay within their cost for
any patient (accented names, sábado), triage errs towards a person, answers in the
language the patient wrote in."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bench.texts import PATIENTS, PROCEDURES, timeline
from service.conversation.triage import mentions_warning_sign
from service.conversation.written_language import written_language
from service.templates.compose import TextFacts, compose
from service.templates.fitting import texts_of_slot
from service.templates.segments import count_segments
from service.timeline.plan import DEFAULT_PLAN

NEW_YORK = ZoneInfo("America/New_York")


def _facts(name: str = "Maria", after_hours: str = "", *, weekday_start: int = 17) -> TextFacts:
    # 2027-03-17 is a Wednesday: its wound-check window ends on a sábado.
    return TextFacts(
        given_name=name,
        family_name="Lopez",
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        zone=NEW_YORK,
        procedure_starts_at=datetime(2027, 3, weekday_start, 12, tzinfo=UTC),
        plan=DEFAULT_PLAN,
        visits={},
        sending_on=date(2027, 3, 19),
        clinic_after_hours_phone=after_hours,
    )


def test_warning_signs_tell_the_patient_what_to_do_for_each_sign():
    text = compose(["warning_signs"], _facts(), "en").body
    assert "Call 911 or go to the emergency room now if you lose control of your bladder" in text
    assert "new numbness or weakness in your legs" in text
    assert "Call us now for a fever, pus at the incision, redness or swelling there that " in text
    assert "gets worse, or bleeding that soaks the bandage" in text
    assert "after hours, go to the emergency room" in text
    assert "If severe" not in text


def test_after_hours_number_replaces_the_emergency_room_for_incision_signs():
    en = compose(["warning_signs"], _facts(after_hours="(555) 201-4400"), "en").body
    es = compose(["warning_signs"], _facts(after_hours="(555) 201-4400"), "es").body
    assert "after hours, call (555) 201-4400" in en
    assert "fuera de horario, llame al (555) 201-4400" in es


def test_spanish_warning_text_names_the_clinic_number_once():
    text = compose(["warning_signs"], _facts(), "es").body
    assert text.count("(555) 201-3344") == 1
    assert "sangrado que empape el vendaje" in text and "empapa" not in text


def test_cancellation_in_spanish_matches_if_you_paused():
    text = compose(["procedure_cancelled"], _facts(), "es").body
    assert "Si ha dejado de tomar un anticoagulante" in text
    assert "Si le indicamos" not in text


@pytest.mark.parametrize("name", ["María", "Begoña", "Nguyễn", "Maria"])
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("limit", [4, 5])
def test_no_text_is_over_the_limit_for_any_name(name, language, limit):
    slots = [
        ["day_of_rest", "opt_out_notice"],
        ["ice", "warning_signs", "wound_check"],
        ["ice", "shower", "light_activity"],
        ["procedure_moved", "prep_week"],
        ["two_week_followup", "warning_signs", "ice"],
        ["recovery_2_weeks"],
    ]
    for steps in slots:
        texts = texts_of_slot(steps, _facts(name), language, limit)
        for text in texts:
            assert count_segments(text.text.body).segments == text.segments <= limit
        # Nothing lost: every step is carried, the opt-out line in the first text.
        carried = {s.split("~")[0] for t in texts for s in t.steps}
        assert carried == set(steps)
        if "opt_out_notice" in steps:
            assert "opt_out_notice" in texts[0].steps


def test_accented_name_makes_texts_ucs2_and_splits_warnings_first():
    texts = texts_of_slot(["ice", "warning_signs", "wound_check"], _facts("María"), "es", 4)
    assert all(count_segments(t.text.body).encoding == "UCS-2" for t in texts)
    assert len(texts) > 1
    assert "911" in texts[0].text.body  # warning signs lead
    assert "sábado" in " ".join(t.text.body for t in texts)  # the date is kept as written


def test_correction_leads_with_what_changed():
    text = compose(["prep_week", "procedure_moved"], _facts(), "en").body
    assert text.index("has moved") < text.index("pre-procedure testing")


def test_booking_request_comes_before_ice():
    text = compose(["ice", "wound_check"], _facts(), "en").body
    assert text.index("wound check") < text.index("Ice")


@pytest.mark.parametrize(
    "reply",
    [
        "having trouble controlling my bladder",
        "I can't lift my foot",
        "my left leg went dead",
        "the pain down both legs is getting worse",
        "i cnt feel my legs",
        "my leg gave out",
        "se me arrastra el pie",
        "no puedo orinar",
    ],
)
def test_issue_replies_with_a_change_or_loss_are_urgent(reply):
    assert mentions_warning_sign(reply)


@pytest.mark.parametrize(
    "reply",
    ["no numbness or weakness, legs feel good", "my legs feel stronger", "ya no me duele"],
)
def test_negated_or_better_replies_are_routine(reply):
    assert not mentions_warning_sign(reply)


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("AYUDA", "es"),
        ("HELP", "en"),
        ("no puedo orinar", "es"),
        ("I can't pee", "en"),
        ("C", None),
    ],
)
def test_the_language_a_reply_is_written_in(body, language):
    assert written_language(body) == language


@pytest.mark.parametrize(("name", "language"), PATIENTS)
def test_no_text_of_a_whole_timeline_is_over_the_limit(name, language):
    for starts_at in PROCEDURES.values():
        costs = timeline(name, language, starts_at, 4)
        assert costs and max(costs) <= 4


def test_miercoles_stays_gsm7_and_sabado_makes_the_text_ucs2():
    wednesday = compose(["prep_week"], _facts("Begoña"), "es").body
    assert "miércoles 17 de marzo" in wednesday
    assert count_segments(wednesday).encoding == "GSM-7"
    saturday = compose(["wound_check"], _facts("Begoña"), "es").body
    assert "sábado 27 de marzo" in saturday
    assert count_segments(saturday).encoding == "UCS-2"
    assert count_segments(saturday).segments <= 4
