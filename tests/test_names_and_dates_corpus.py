"""Names and dates read the way the person writes them, on corpora written by someone who
never read the code (tests/names/, tests/dates/), through the spreadsheet import's own path."""

import pytest

from bench.names_and_dates import load, measure

# Per corpus and half: the accuracy reached. `tuning` is what the readers were fitted to;
# `heldout` was measured once after that fitting, never tuned on.
FLOORS = {
    ("names", "tuning"): 0.854,
    ("names", "heldout"): 0.875,
    ("dates", "tuning"): 0.692,
    ("dates", "heldout"): 0.703,
}


@pytest.mark.parametrize(("corpus", "part"), list(FLOORS))
def test_names_and_dates_are_read_as_the_person_writes_them(corpus: str, part: str) -> None:
    score = measure(corpus, part, load(corpus, part))
    assert score.accuracy >= FLOORS[corpus, part], score.wrong
