"""The check-in questions as the flow uses them: what kind of answer each takes (a number
on its scale, or minutes), how an answer is said back, which end is worse.

The questions themselves are data an admin manages (`check_in_question`, see
service/checkins/question_admin.py): the two defaults `pain` (the 0-10 numeric rating
scale, free to use) and `walking` (our own question), and any a clinic that holds a
licence adds. Each question's wording is a template (`question_<key>` and its short form
`question_<key>_again`), versioned, previewed and segment-counted like every text.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, select

from service.checkins.reading import Scale
from service.timeline.models import CheckInQuestion


class Kind(StrEnum):
    scale = "scale"  # a number from the question's lowest to its highest, e.g. 0-10
    minutes = "minutes"  # a duration, written in minutes or hours


@dataclass(frozen=True)
class Question:
    name: str
    kind: Kind
    lowest: float = 0
    highest: float = 10
    # True when a higher number is worse (pain); walking minutes are worse when lower.
    higher_is_worse: bool = True

    @property
    def scale(self) -> Scale:
        return Scale.zero_to_ten if self.kind is Kind.scale else Scale.minutes

    def noted(self, language: str) -> str:
        """How an answer is said back: "{value} out of 10", "{value} minutes"."""
        if self.kind is Kind.minutes:
            return "{value} minutos" if language == "es" else "{value} minutes"
        top = number_text(self.highest)
        return f"{{value}} de {top}" if language == "es" else f"{{value}} out of {top}"


# The two defaults, as seeded by migration 0017 (and used where the list was never made).
QUESTIONS: dict[str, Question] = {
    "pain": Question("pain", Kind.scale, 0, 10, higher_is_worse=True),
    "walking": Question("walking", Kind.minutes, higher_is_worse=False),
}


def of_record(row: CheckInQuestion) -> Question:
    default = QUESTIONS.get(row.key)
    kind = Kind(row.kind)
    return Question(
        row.key,
        kind,
        row.scale_min if row.scale_min is not None else 0,
        row.scale_max if row.scale_max is not None else 10,
        # Only walking is worse when lower; a clinic's minutes question likewise.
        higher_is_worse=default.higher_is_worse if default else kind is Kind.scale,
    )


def find_question(session: Session, key: str) -> Question | None:
    """The question with this key (active or retired), or None if there is none."""
    row = session.exec(select(CheckInQuestion).where(CheckInQuestion.key == key)).first()
    if row is not None:
        return of_record(row)
    listed = session.exec(select(CheckInQuestion.id).limit(1)).first()
    return QUESTIONS.get(key) if listed is None else None


def number_text(value: float) -> str:
    """6.0 -> '6', 6.5 -> '6.5'."""
    return f"{value:g}"


def noted_text(asked: Question, low: float, high: float, language: str) -> str:
    """'6 out of 10', '6-7 out of 10', '20 minutes'."""
    value = number_text(low) if low == high else f"{number_text(low)}-{number_text(high)}"
    return asked.noted(language).format(value=value)
