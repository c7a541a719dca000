"""The clinic's outcomes per check-in time point, for procedures in a date range: how many
were asked and answered, the median answer and change from baseline, and the share whose
pain fell by 2 points or more (the usual threshold of a difference a patient feels)."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.checkins import repository
from service.checkins.questions import QUESTIONS
from service.errors import InvalidInput
from service.timeline.plan import question_of
from service.validation import EARLIEST_YEAR, LATEST_YEAR

# A 2-point fall on the 0-10 scale: the usual minimal clinically important difference.
FELT_DIFFERENCE = 2.0


@dataclass(frozen=True)
class TimePointOutcome:
    question: str
    day: int
    asked: int
    answered: int
    median: float | None
    median_change: float | None
    # Pain: answers with a baseline whose pain fell by FELT_DIFFERENCE or more.
    improved_share: float | None


def outcomes(session: Session, starts: datetime, ends: datetime) -> list[TimePointOutcome]:
    answers = [a for a in repository.answers_between(session, starts, ends) if a.value is not None]
    asked: dict[tuple[str, int], set[int]] = {}
    for procedure_id, step, day in repository.asked_between(session, starts, ends):
        asked.setdefault((question_of(step), day), set()).add(procedure_id)
    baselines: dict[tuple[int, str], float] = {}
    for answer in sorted(answers, key=lambda a: a.day):
        if answer.day < 0 and answer.value is not None:
            baselines[(answer.procedure_id, answer.question)] = answer.value
    by_point: dict[tuple[str, int], list[tuple[float, float | None]]] = {}
    for answer in answers:
        assert answer.value is not None
        base = baselines.get((answer.procedure_id, answer.question)) if answer.day >= 0 else None
        change = None if base is None else answer.value - base
        by_point.setdefault((answer.question, answer.day), []).append((answer.value, change))
    order = list(QUESTIONS)
    rows = []
    for key in sorted(set(asked) | set(by_point), key=lambda k: (k[1], _rank(order, k[0]))):
        name, day = key
        values = by_point.get(key, [])
        changes = [c for _, c in values if c is not None]
        improved = None
        if name == "pain" and changes:
            improved = sum(1 for c in changes if c <= -FELT_DIFFERENCE) / len(changes)
        rows.append(
            TimePointOutcome(
                question=name,
                day=day,
                asked=len(asked.get(key, set())),
                answered=len(values),
                median=statistics.median(v for v, _ in values) if values else None,
                median_change=statistics.median(changes) if changes else None,
                improved_share=improved,
            )
        )
    return rows


def _rank(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def as_csv_rows(rows: list[TimePointOutcome]) -> list[list[str]]:
    header = [
        "question", "day", "asked", "answered", "median", "median_change_from_baseline",
        "share_pain_fell_2_or_more",
    ]  # fmt: skip

    def cell(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return [header] + [
        [r.question, str(r.day), str(r.asked), str(r.answered), cell(r.median),
         cell(r.median_change), cell(r.improved_share)]
        for r in rows
    ]  # fmt: skip


def outcome_period(
    start: date | None, end: date | None, zone_name: str, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to] as clinic-local days, to instants; 422 when `to` is before `from`."""
    zone = ZoneInfo(zone_name)
    for day, field in ((start, "from"), (end, "to")):
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise InvalidInput(f"must be a date from {EARLIEST_YEAR} to {LATEST_YEAR}", field=field)
    last = end or now.astimezone(zone).date()
    first = start or last - timedelta(days=365)
    if last < first:
        raise InvalidInput("must not be before `from`", field="to")
    return (
        datetime.combine(first, time(0), zone),
        datetime.combine(last + timedelta(days=1), time(0), zone),
    )
