"""The check-in questions, as data: what each asks, how its answer is read and which end
of the scale is worse. Each question's wording is a template (`question_<name>` and its
short form `question_<name>_again`, en + es, in service/templates/defaults.py), so it
is versioned, previewed and segment-counted like every text. A clinic that holds a
licence for an instrument adds its questions here with their templates; the plan's
check-in steps list which questions each time point asks, in order.
"""

from dataclasses import dataclass

from service.checkins.reading import Scale


@dataclass(frozen=True)
class Question:
    name: str
    scale: Scale
    # True when a higher number is worse (pain); walking minutes are worse when lower.
    higher_is_worse: bool
    # How an answer is said back: "{value} out of 10", "{value} minutes".
    noted: dict[str, str]


QUESTIONS: dict[str, Question] = {
    # The 0-10 numeric rating scale (free to use): worst back or leg pain, last 24 hours.
    "pain": Question(
        "pain",
        Scale.zero_to_ten,
        higher_is_worse=True,
        noted={"en": "{value} out of 10", "es": "{value} de 10"},
    ),
    # Our own walking-tolerance question (no licensed instrument's wording).
    "walking": Question(
        "walking",
        Scale.minutes,
        higher_is_worse=False,
        noted={"en": "{value} minutes", "es": "{value} minutos"},
    ),
}


def question(name: str) -> Question:
    return QUESTIONS[name]


def number_text(value: float) -> str:
    """6.0 -> '6', 6.5 -> '6.5'."""
    return f"{value:g}"


def noted_text(asked: Question, low: float, high: float, language: str) -> str:
    """'6 out of 10', '6-7 out of 10', '20 minutes'."""
    value = number_text(low) if low == high else f"{number_text(low)}-{number_text(high)}"
    return asked.noted.get(language, asked.noted["en"]).format(value=value)
