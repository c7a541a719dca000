"""Names and dates read the way the person writes them, on corpora written by someone who
never read the code (tests/names/, tests/dates/), through the spreadsheet import's own path."""

from datetime import date, datetime

import pytest

from bench.names_and_dates import load, measure
from service.config import Settings
from service.intake.names import as_people_write_it
from service.intake.spreadsheet.dates import read_date
from service.intake.spreadsheet.values import _procedure_time

# Per corpus and half: the accuracy reached. `tuning` is what the readers were fitted to;
# `heldout` was measured once after that fitting, never tuned on (first run: names 0.854 /
# 0.875, dates 0.692 / 0.703; see bench/names_and_dates.py for why heldout is not clean).
# Left: "DE LUCA", "DA VINCI" (article surnames the corpus marks unsure) and "KA'AHUMANU".
FLOORS = {
    ("names", "tuning"): 0.989,
    ("names", "heldout"): 0.979,
    ("dates", "tuning"): 1.0,
    ("dates", "heldout"): 1.0,
    # Round 2, first run 0.993 / 0.979 (bench/names_and_dates.py); "DELOS REYES" is left
    # as the one disagreement on names (a Filipino particle the writer lower-cased).
    ("names", "round2"): 0.99,
    ("dates", "round2"): 1.0,
    # Round 3, first run 0.942 / 0.980; "DU PLESSIS" is left (the corpora disagree on "du").
    ("names", "round3"): 0.99,
    ("dates", "round3"): 1.0,
    # Round 4, first run 0.983 / 1.000 (a Turkish İ starting a word, a given name's Mac).
    ("names", "round4"): 1.0,
    ("dates", "round4"): 1.0,
    # Round 5, first run 0.964 / 0.948 (German and French particles, Al- inside a name,
    # quoted cells, the two-year window in calendar years).
    ("names", "round5"): 1.0,
    ("dates", "round5"): 1.0,
}


@pytest.mark.parametrize(("corpus", "part"), list(FLOORS))
def test_names_and_dates_are_read_as_the_person_writes_them(corpus: str, part: str) -> None:
    score = measure(corpus, part, load(corpus, part))
    assert score.accuracy >= FLOORS[corpus, part], score.wrong


def test_a_birth_date_with_a_two_digit_year_is_left_for_staff_to_confirm() -> None:
    # A MILD patient may be 101 or, by a typo, 1: 3/4/50 is 1950 or a mistake, never a guess.
    assert read_date("3/4/50", "US", two_digit=False) is None
    assert read_date("04-MAR-50", "US", two_digit=False) is None
    assert read_date("3/16/27", "US", two_digit=True) == date(2027, 3, 16)


@pytest.mark.parametrize(
    "cell",
    [
        "03041950",
        "18326",
        "18326.5",
        "3/4/1950 0:00",
        "1950-03-04T00:00:00.000-05:00",
        "4th March 1950",
        "4 de marzo de 1950",
        "04MAR1950",
        "Sat, March 4, 1950",
        "sábado 3/4/1950",
        "Mar 4 1950",  # "mar" is March here, not martes
        "'3/4/1950",  # Excel's leading apostrophe: a date kept as text
        '"03/04/1950"',
        "\u201c3/4/1950\u201d",
    ],
)
def test_a_date_of_birth_as_exports_and_people_write_it_is_read(cell: str) -> None:
    assert read_date(cell, "US", two_digit=False) == date(1950, 3, 4)


@pytest.mark.parametrize(
    "cell",
    [
        "3.4.1950",
        "15.03.1950",
        "13/01/1955",
        "Marhc 4 1950",
        "2/30/1950",
        "60",
        "Fri 3/4/1950",
        "lunes 3/4/1950",
    ],
)
def test_a_date_that_could_be_two_dates_or_none_is_refused(cell: str) -> None:
    assert read_date(cell, "US", two_digit=False) is None


def test_dots_in_the_clinics_order_read_when_the_day_cannot_be_a_month() -> None:
    assert read_date("05.21.1948", "US", two_digit=False) == date(1948, 5, 21)
    assert read_date("05.11.1948", "US", two_digit=False) is None  # 21 May or 5 November


def test_the_midnight_an_export_attaches_is_not_a_procedure_time() -> None:
    settings = Settings(_env_file=None, clinic_phone_region="US")  # type: ignore[call-arg]
    assert _procedure_time("3/16/2027 0:00", "", settings) == "the procedure time is missing"
    assert _procedure_time("3/16/2027 0:00", "7:30", settings) == datetime(2027, 3, 16, 7, 30)
    assert _procedure_time("3/16/2027 7:30 AM", "", settings) == datetime(2027, 3, 16, 7, 30)


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("MACDONALD", "MacDonald"),
        ("MACHADO", "Machado"),
        ("MACK", "Mack"),
        ("DE LA CRUZ", "de la Cruz"),
        ("VAN", "Van"),
        ("LA ROSA", "La Rosa"),
        ("JR", "Jr"),
        ("III", "III"),
        ("NG", "Ng"),
        ("STRAUß", "Strauß"),
        ("McDonald", "McDonald"),
        ("D'ANGELO", "D'Angelo"),
        ("NAPUA'OLE", "Napua'ole"),  # an okina typed as an apostrophe, after a syllable
        ("ŞAHİN", "Şahin"),  # Turkish dotted capital I inside a word: a plain i
        ("GARCIA, JR.", "Garcia, Jr."),  # the comma as typed
        ('WILLIAM "BILLY"', 'William "Billy"'),  # the nickname in the quotes it came in
    ],
)
def test_a_name_in_capitals_is_written_as_the_person_writes_it(sent: str, written: str) -> None:
    assert as_people_write_it(sent) == written


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("VAN ANH", "Van Anh"),  # Vietnamese: a given name, not a Dutch particle
        ("DE JESUS", "De Jesus"),
        ("JUAN DE DIOS", "Juan de Dios"),
        ("MARIA DE LOS ANGELES", "Maria de los Angeles"),
    ],
)
def test_a_given_name_starts_with_a_capital_even_on_a_particle(sent: str, written: str) -> None:
    assert as_people_write_it(sent, given=True) == written


@pytest.mark.parametrize(
    ("sent", "given", "written"),
    [
        ("İLKNUR", True, "İlknur"),  # a Turkish İ starts the word, another may follow
        ("KILIÇ İŞLER", False, "Kiliç İşler"),  # capitals cannot say a dotless i: not invented
        ("MACY", True, "Macy"),  # the Gaelic Mac capital is a surname's
        ("MACLEAN", True, "Maclean"),
        ("MACLEAN", False, "MacLean"),
    ],
)
def test_turkish_dotted_capitals_and_a_given_names_mac(sent: str, given: bool, written: str):
    assert as_people_write_it(sent, given=given) == written
