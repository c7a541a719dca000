"""The check-in reader on its labelled corpus (tests/checkins/): both parts meet the targets,
and the shapes of answer the clinic named are each read right."""

import pytest

from bench.check_ins import PARTS, load, measure
from service.checkins.escalation import above_scale_reason
from service.checkins.questions import QUESTIONS, Kind, Question
from service.checkins.reading import Scale, is_above_scale, read_answer


@pytest.mark.parametrize("part", PARTS)
def test_answers_are_read_right_and_no_number_comes_from_a_non_answer(part: str) -> None:
    score = measure(part, load(part))
    assert score.recorded_from_non_answers == 0, score.wrong
    assert score.accuracy >= 0.97, score.wrong


def test_a_range_records_its_midpoint_and_keeps_its_worse_end() -> None:
    reading = read_answer("between 5 and 6", Scale.zero_to_ten)
    assert reading is not None and (reading.value, reading.high) == (5.5, 6)


def test_an_answer_with_other_words_is_read_but_not_plain() -> None:
    reading = read_answer("8 and I can't pee", Scale.zero_to_ten)
    assert reading is not None and reading.value == 8 and not reading.plain
    plain = read_answer("about a 6", Scale.zero_to_ten)
    assert plain is not None and plain.plain


@pytest.mark.parametrize("said", ["11/10", "12 out of 10", "a 15", "off the charts", "20 de 10"])
def test_a_rating_above_the_scale_records_nothing_but_is_told_apart(said: str) -> None:
    assert read_answer(said, Scale.zero_to_ten) is None
    assert is_above_scale(said, Scale.zero_to_ten)


@pytest.mark.parametrize(
    "said", ["15", "call me at 11", "12 pills", "2019", "8/10", "what is 11/10?"]
)
def test_a_bare_or_other_number_is_not_above_the_scale(said: str) -> None:
    # A bare "15" may be minutes sent to the wrong question: asked again, nobody paged.
    assert not is_above_scale(said, Scale.zero_to_ten)
    assert not is_above_scale("11/10", Scale.minutes)


def test_a_hedge_is_a_range_and_hours_with_minutes_are_one_duration() -> None:
    hedged = read_answer("like a 6 maybe 7", Scale.zero_to_ten)
    assert hedged is not None and (hedged.low, hedged.high, hedged.value) == (6, 7, 6.5)
    for said in ("1 hr 15 min", "1h15", "an hour 15", "una hora y cuarto"):
        reading = read_answer(said, Scale.minutes)
        assert reading is not None and reading.value == 75, said


def test_a_clinic_scale_reads_its_own_top_and_only_pain_above_the_scale_calls_a_person() -> None:
    four = read_answer("4 out of 5", Scale.zero_to_ten, 1, 5)
    assert four is not None and four.value == 4
    assert read_answer("1-5", Scale.zero_to_ten, 1, 5) is None  # the scale quoted
    assert read_answer("7/10", Scale.zero_to_ten, 1, 5) is None
    assert is_above_scale("a 7", Scale.zero_to_ten, 1, 5)
    reason = above_scale_reason(QUESTIONS["pain"], 3)
    assert reason == "pain answer above the scale (0-10) on day 3"
    assert above_scale_reason(Question("stiffness", Kind.scale, 1, 5), 3) is None
