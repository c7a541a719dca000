"""When check-in questions go out: each its own text, `check_in_gap` after any text due
with it, and its one reminder `check_in_reminder_after` later (pure, used by the planner).
"""

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from service.timeline.local_time import local_date, local_instant
from service.timeline.plan import Phase, TimelinePlan, question_reminder_step
from service.timeline.window import first_window_instant_at_or_after, in_window


class Question(Protocol):
    """A question the planner placed as if it were a text (its `_Candidate`)."""

    step: str
    occurrence: int
    phase: Phase
    due_at: datetime
    latest: datetime
    order: int


# (step, occurrence, due_at, useful_until) of a question or its reminder.
Asked = tuple[str, int, datetime, datetime]


def place_questions(
    plan: TimelinePlan,
    questions: Sequence[Question],
    slots: set[datetime],
    done: set[tuple[str, int]],
    zone: ZoneInfo,
) -> tuple[list[Asked], list[Question]]:
    """Each check-in question as its own text, `check_in_gap` after any text due with it,
    and its one reminder `check_in_reminder_after` later: (planned, unplaceable)."""

    window = plan.sending_window
    taken = set(slots)
    planned: list[Asked] = []
    unplaced: list[Question] = []

    def clear_of_others(due: datetime) -> datetime:
        for slot in sorted(taken):
            if slot - plan.check_in_gap < due < slot + plan.check_in_gap:
                due = slot + plan.check_in_gap
        return due

    for question in sorted(questions, key=lambda c: (c.due_at, c.order)):
        due = clear_of_others(question.due_at)
        if due >= question.latest or not in_window(due, window.opens, window.closes, zone):
            unplaced.append(question)
            continue
        taken.add(due)
        planned.append((question.step, question.occurrence, due, question.latest))
        again = question_reminder_step(question.step.removeprefix("question_"))
        if (again, question.occurrence) in done:
            continue
        # Useful through the day after the question's last useful day, and (a baseline)
        # only before the procedure.
        last_day = local_date(question.latest - timedelta(microseconds=1), zone)
        useful = local_instant(last_day + timedelta(days=2), time(0), zone)
        if question.phase is Phase.before:
            useful = min(useful, question.latest)
        ideal = due + plan.check_in_reminder_after
        later = clear_of_others(
            first_window_instant_at_or_after(ideal, window.opens, window.closes, zone)
        )
        if later < useful and in_window(later, window.opens, window.closes, zone):
            taken.add(later)
            planned.append((again, question.occurrence, later, useful))
    return planned, unplaced
