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


@pytest.mark.parametrize(
    ("said", "scale"),
    [
        ("Pain is 6", Scale.minutes),
        ("el dolor es un 4", Scale.minutes),
        ("hurts like a 7", Scale.minutes),
        ("me duele como 5", Scale.minutes),
        ("6 out of 10", Scale.minutes),
        ("it's an 8", Scale.minutes),
        ("walked 20", Scale.zero_to_ten),
        ("camine como 15", Scale.zero_to_ten),
        ("2 oras", Scale.zero_to_ten),
    ],
)
def test_a_number_for_the_other_question_records_nothing(said: str, scale: Scale) -> None:
    # The patient answered the other question: asked again, never recorded as this one.
    assert read_answer(said, scale) is None


def test_the_other_measure_said_beside_the_answer_does_not_hide_it() -> None:
    minutes = read_answer("25 min and then my back hurts", Scale.minutes)
    assert minutes is not None and minutes.value == 25
    pain = read_answer("1 sitting, 5 when I walk", Scale.zero_to_ten)
    assert pain is not None and pain.value == 5


@pytest.mark.parametrize(
    ("said", "scale", "value"),
    [
        ("Pain is about a for today", Scale.zero_to_ten, 4),
        ("I'd say a to", Scale.zero_to_ten, 2),
        ("Id say ate. Rough night", Scale.zero_to_ten, 8),
        ("walked for for minutes", Scale.minutes, 4),
        ("walked for 20 minutes", Scale.minutes, 20),
    ],
)
def test_dictation_homophones_are_numbers_only_in_a_rating_phrase(
    said: str, scale: Scale, value: float
) -> None:
    reading = read_answer(said, scale)
    assert reading is not None and reading.value == value


@pytest.mark.parametrize(
    "said", ["I ate", "going to bed", "me too", "sat under a tree", "for hours", "a for sure"]
)
def test_a_homophone_outside_a_rating_phrase_is_no_number(said: str) -> None:
    assert read_answer(said, Scale.zero_to_ten) is None
    assert read_answer(said, Scale.minutes) is None


@pytest.mark.parametrize(
    ("said", "value"),
    [("sies", 6), ("seiz", 6), ("sinko", 5), ("siette", 7), ("osho", 8), ("nuebe", 9)],
)
def test_a_misspelt_number_word_is_read(said: str, value: float) -> None:
    reading = read_answer(said, Scale.zero_to_ten)
    assert reading is not None and reading.value == value


@pytest.mark.parametrize("said", ["fine", "nice", "there", "then", "nite", "tues", "cuarto"])
def test_a_real_word_one_letter_from_a_number_is_no_number(said: str) -> None:
    assert read_answer(said, Scale.zero_to_ten) is None


@pytest.mark.parametrize(
    ("said", "low", "high"),
    [
        ("hour n half", 90, 90),
        ("an hour & a half", 90, 90),
        ("entre media hora y una hora", 30, 60),
        ("between half an hour and an hour", 30, 60),
        ("de 20 a 30 min", 20, 30),
    ],
)
def test_and_said_short_and_ranges_between_durations(said: str, low: float, high: float) -> None:
    reading = read_answer(said, Scale.minutes)
    assert reading is not None and (reading.low, reading.high) == (low, high)


def test_a_guessed_number_is_recorded_but_a_person_sees_the_guess() -> None:
    for said in ("I'd say a to", "sies"):
        reading = read_answer(said, Scale.zero_to_ten)
        assert reading is not None and not reading.plain, said


def test_a_misspelt_number_beside_a_read_one_is_left_to_a_person() -> None:
    # The 6 is unsure, so the 4 cannot be the worst: nothing is recorded.
    assert read_answer("sies, 4 in my back", Scale.zero_to_ten) is None
    compound = read_answer("treinta y sinko minutos", Scale.minutes)
    assert compound is not None and compound.value == 35


@pytest.mark.parametrize(
    ("said", "scale", "value"),
    [
        ("7 no wait 6", Scale.zero_to_ten, 6),
        ("10 min walk, 4", Scale.zero_to_ten, 4),
        ("pain 3, walked 25", Scale.minutes, 25),
        ("> 0 (none) to 10 (worst imaginable)\n4", Scale.zero_to_ten, 4),
    ],
)
def test_an_answer_read_from_part_of_a_reply_waits_for_a_person(
    said: str, scale: Scale, value: float
) -> None:
    # A correction, the other question's answer, our question quoted: a person reads the rest.
    reading = read_answer(said, scale)
    assert reading is not None and reading.value == value and not reading.plain


@pytest.mark.parametrize(
    ("said", "scale"),
    [("walked 20, rested 5", Scale.zero_to_ten), ("pain 6, rested 15", Scale.minutes)],
)
def test_a_clause_for_the_other_question_leaves_no_guess_behind(said: str, scale: Scale) -> None:
    assert read_answer(said, scale) is None
