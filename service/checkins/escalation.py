"""When a check-in answer calls a person (thresholds are settings), and the reason the
inbox shows: "pain 9/10 on day 3; baseline 5". Pure.

A range escalates on its worse end ("6-8" is read as 7 and escalates as 8). Only the two
default questions have thresholds (`pain`, `walking`): a question a clinic adds calls no
person on its number (its answer is recorded; a warning sign in it is triaged as any reply).
A pain rating above the top of its scale ("11/10", "a 15", "off the charts") records no
number but calls a person all the same: the patient is telling us the worst.
"""

from dataclasses import dataclass

from service.checkins.questions import Question, number_text
from service.config import Settings


@dataclass(frozen=True)
class Thresholds:
    pain_alert: float = 8
    pain_rise: float = 3
    rise_from_day: int = 3
    walking_fraction: float = 0.5
    walking_from_day: int = 14

    @classmethod
    def of(cls, settings: Settings) -> "Thresholds":
        return cls(
            pain_alert=settings.check_in_pain_alert,
            pain_rise=settings.check_in_pain_rise,
            rise_from_day=settings.check_in_rise_from_day,
            walking_fraction=settings.check_in_walking_fraction,
            walking_from_day=settings.check_in_walking_from_day,
        )


def escalation_reason(
    asked: Question,
    day: int,
    low: float,
    high: float,
    baseline: float | None,
    limits: Thresholds,
) -> str | None:
    """Why this answer needs a person now, or None."""
    worse = high if asked.higher_is_worse else low
    versus = f"; baseline {number_text(baseline)}" if baseline is not None else ""
    if asked.name == "pain":
        said = f"{asked.name} {number_text(worse)}/10 on day {day}{versus}"
        if worse >= limits.pain_alert:
            return said
        rose = baseline is not None and worse - baseline >= limits.pain_rise
        return said if rose and day >= limits.rise_from_day else None
    if asked.name != "walking":
        return None
    if baseline is None or baseline <= 0 or day < limits.walking_from_day:
        return None
    if worse < baseline * limits.walking_fraction:
        return f"{asked.name} {number_text(worse)} minutes on day {day}{versus}"
    return None


def above_scale_reason(asked: Question, day: int) -> str | None:
    """The inbox's reason for a pain rating above the scale's top: "pain answer above the
    scale (0-10) on day 3"; None for a clinic's question (no thresholds, see above)."""
    if asked.name != "pain":
        return None
    scale = f"{number_text(asked.lowest)}-{number_text(asked.highest)}"
    return f"{asked.name} answer above the scale ({scale}) on day {day}"
