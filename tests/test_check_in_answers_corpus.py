"""The check-in reader on its labelled corpus (tests/checkins/): both parts meet the targets,
and the shapes of answer the clinic named are each read right."""

import pytest

from bench.check_ins import PARTS, load, measure
from service.checkins.reading import Scale, read_answer


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
