"""Every text of one patient's timeline, in English and Spanish, read as the patient reads it.

The transcripts are golden files (tests/golden/): a change to any default wording shows
up here as a diff to review. Regenerate with `UPDATE_GOLDEN=1 pytest tests/test_transcripts.py`.
"""

import os
from pathlib import Path

import pytest

from service.templates.segments import count_segments
from tests.conftest import book, enroll

GOLDEN = Path(__file__).parent / "golden"


def _transcript(
    client, staff, language: str, name: str = "Maria", day: str = "2027-03-16"
) -> list[tuple[str, str, str]]:
    """(local time, steps, text) for every text the timeline will send, in order."""
    patient = enroll(client, staff, language=language, given_name=name)
    procedure = book(client, staff, patient["id"], f"{day}T07:00:00")
    visit = client.post(
        f"/v1/procedures/{procedure['id']}/appointments",
        json={"kind": "three_month", "starts_at": "2027-06-17T10:30:00"},
        headers=staff,
    )
    assert visit.status_code == 201, visit.text
    shown = client.get(f"/v1/procedures/{procedure['id']}", headers=staff).json()
    occurrences = {
        r["step"]: r["occurrence"] for r in shown["reminders"] if r["status"] == "pending"
    }
    transcript = []
    for text in shown["pending_texts"]:
        assert text["segments"] <= 4
        steps = []
        for step in text["steps"]:
            occurrence = next(
                (
                    r["occurrence"]
                    for r in shown["reminders"]
                    if r["step"] == step and r["local_sends_at"] == text["local_sends_at"]
                ),
                1,
            )
            steps.append(step if occurrence == 1 else f"{step}#{occurrence}")
        transcript.append((text["local_sends_at"], ", ".join(sorted(steps)), text["text"]))
    assert occurrences  # the timeline has pending texts to read
    return transcript


def _render(transcript: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"## {when}  [{steps}]\n{text}\n" for when, steps, text in transcript)


@pytest.mark.parametrize(
    ("language", "name", "day", "golden_name"),
    [
        ("en", "Maria", "2027-03-16", "transcript_en.txt"),
        ("es", "Maria", "2027-03-16", "transcript_es.txt"),
        # Issue 19: an accented name makes every text UCS-2, and a Wednesday procedure puts
        # "sábado" in the wound-check window; every text still within SMS_MAX_SEGMENTS.
        ("es", "María", "2027-03-17", "transcript_es_maria_wednesday.txt"),
    ],
)
def test_the_transcript_matches_the_reviewed_golden_file(
    client, staff, language, name, day, golden_name
):
    rendered = _render(_transcript(client, staff, language, name, day))
    golden = GOLDEN / golden_name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def _find(transcript, step):
    return [text for _, steps, text in transcript if step in steps.split(", ")]


def test_the_english_timeline_carries_every_seed_instruction(client, staff):
    transcript = _transcript(client, staff, "en")
    texts = [text for _, _, text in transcript]
    assert texts[0].endswith("Reply STOP to opt out.")  # the first text says how to stop
    assert sum("Reply STOP" in t for t in texts) == 1
    for text in texts:
        assert count_segments(text).segments <= 4, text
    [prep] = _find(transcript, "prep_week")
    assert "blood thinners" in prep and "ride home" in prep and "loose clothes" in prep
    [fasting] = _find(transcript, "fasting")
    assert "11:00 PM on Monday, March 15" in fasting and "except blood thinners" in fasting
    warned = _find(transcript, "day_of_rest") + _find(transcript, "warning_signs")
    warned += _find(transcript, "warning_signs#2")
    assert len(warned) == 3  # day 0, +2 and +7
    for text in warned:
        for sign in ("bladder or bowels", "numbness or weakness", "fever", "pus at the incision"):
            assert sign in text
        assert "Call 911 or go to the emergency room now if you lose control" in text
        assert "Call us now for a fever" in text and "bleeding that soaks" in text
        assert "after hours, go to the emergency room" in text  # no after-hours number set
        assert "Mild swelling at the incision is normal" in text
        assert text.count("(555) 201-3344") == 1
        assert "If severe" not in text and "otherwise" not in text
    [day_of_rest] = _find(transcript, "day_of_rest")
    assert "Do not drive or operate heavy machinery while you take any pain" in day_of_rest
    [driving] = _find(transcript, "driving")
    assert "Do not drive or operate heavy machinery" in driving
    assert "ask your doctor first" in driving  # seed 000: not steady
    [light] = _find(transcript, "light_activity")
    assert "Walking and light activities" in light and "Time off work varies" in light
    assert "Avoid heavy lifting and strenuous activity" in light  # seed 001, first week
    [recovery] = _find(transcript, "recovery_2_weeks")
    assert "2-4 weeks" in recovery and "keep avoiding heavy lifting" in recovery
    assert "If your doctor recommends physical therapy" in recovery  # seed 001
    [wound] = _find(transcript, "wound_check")
    assert "between Tuesday, March 23 and Friday, March 26" in wound
    assert transcript[
        [s for _, s, _ in transcript].index(
            next(s for _, s, _ in transcript if "wound_check" in s.split(", "))
        )
    ][0].startswith("2027-03-18")  # prompted on day +2: time to book
    [two_week] = _find(transcript, "two_week_followup")
    assert "around Tuesday, March 30" in two_week
    [visit] = _find(transcript, "three_month_visit")
    assert "Reply C to confirm" in visit
    ice = [t for _, s, t in transcript if any(x.startswith("ice") for x in s.split(", "))]
    assert len(ice) == 7
    for day, text in enumerate(ice, start=1):
        assert f"Ice day {day} of 7" in text
    assert "the last" in ice[-1] and "about a week" not in ice[-1]


def test_the_spanish_timeline_is_natural_neutral_and_in_12_hour_time(client, staff):
    transcript = _transcript(client, staff, "es")
    texts = [text for _, _, text in transcript]
    assert texts[0].endswith("Responda ALTO para no recibir mensajes.")
    for text in texts:
        assert count_segments(text).segments <= 4, text
        assert "lo lleve" not in text and "la lleve" not in text
        assert "a.m.." not in text and "p.m.." not in text
    [prep] = _find(transcript, "prep_week")
    assert "alguien que le lleve a casa" in prep and "7:00 a.m." in prep
    [fasting] = _find(transcript, "fasting")
    assert "11:00 p.m. el lunes 15 de marzo" in fasting
    warned = _find(transcript, "day_of_rest") + _find(transcript, "warning_signs")
    warned += _find(transcript, "warning_signs#2")
    for text in warned:
        assert "orina o de las heces" in text and "fiebre" in text and "911" in text
        assert "vaya a urgencias de inmediato" in text and "que empape el vendaje" in text
        assert text.count("(555) 201-3344") == 1  # the number once, in the frame
    for text in texts:
        for unnatural in ("Casi todas", "jornada", "entre ratos", "desde ya", "o cerca"):
            assert unnatural not in text
    [driving] = _find(transcript, "driving")
    assert "No maneje ni use maquinaria pesada mientras tome cualquier analgésico" in driving
    ice = [t for _, s, t in transcript if any(x.startswith("ice") for x in s.split(", "))]
    assert [f"hielo ({d} de 7" in t for d, t in enumerate(ice, start=1)] == [True] * 7


def test_an_accented_name_keeps_every_instruction_within_the_limit(client, staff):
    transcript = _transcript(client, staff, "es", "María", "2027-03-17")
    texts = [text for _, _, text in transcript]
    said = " ".join(texts)
    for text in texts:
        count = count_segments(text)
        assert count.encoding == "UCS-2" and count.segments <= 4, text
    # Every instruction of the Tuesday transcript is still there, cut between sentences.
    for words in (
        "consulte con nosotros si toma anticoagulantes",
        "alguien que le lleve a casa",
        "salvo los anticoagulantes",
        "Llame al 911 o vaya a urgencias de inmediato",
        "Llame al consultorio de inmediato si tiene fiebre",
        "Es normal que la herida se hinche un poco",
        "No levante objetos pesados",
        "el sábado 27 de marzo",
        "Si su médico le recomienda fisioterapia",
    ):
        assert words in said
    # Both warning-sign days carry both instructions, the 911 one first.
    for day in ("2027-03-19", "2027-03-24"):
        on_day = " ".join(text for when, _, text in transcript if when.startswith(day))
        assert on_day.index("911") < on_day.index("consultorio de inmediato")
