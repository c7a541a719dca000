"""A procedure's check-ins as staff see them: one item per question per time point, with
its status (planned, asked, answered, unanswered, skipped) read from the question's
reminders and the recorded answer."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.checkins import repository
from service.checkins.models import CheckInAnswer
from service.procedures.models import Procedure, Reminder, ReminderStatus
from service.timeline.plan import TimelinePlan, question_of

PLANNED, ASKED, ANSWERED, UNANSWERED, SKIPPED = (
    "planned",
    "asked",
    "answered",
    "unanswered",
    "skipped",
)
AFTER_THE_FIRST = "asked once the question before it is answered"


@dataclass(frozen=True)
class CheckInItem:
    question: str
    day: int
    status: str
    value: float | None
    low: float | None
    high: float | None
    asked_at: datetime | None
    answered_at: datetime | None
    due_at: datetime | None
    reason: str | None  # why skipped, or why the answer called a person


def check_ins_of(
    session: Session, procedure: Procedure, plan: TimelinePlan, now: datetime
) -> list[CheckInItem]:
    assert procedure.id is not None
    answers = {(a.question, a.day): a for a in repository.answers_of(session, procedure.id)}
    asks: dict[tuple[str, int], list[tuple[Reminder, datetime | None]]] = {}
    for reminder, sent_at in repository.question_reminders(session, procedure.id):
        if not reminder.step.endswith("_again"):
            asks.setdefault((question_of(reminder.step), reminder.occurrence), []).append(
                (reminder, sent_at)
            )
    order: dict[tuple[str, int], tuple[int, int]] = {}
    for step in plan.steps:
        if step.is_check_in and step.enabled:
            for index, name in enumerate(step.questions):
                order[(name, step.day)] = (step.day, index)
    for key in [*asks, *answers]:
        order.setdefault(key, (key[1], 99))
    items: dict[tuple[str, int], CheckInItem] = {}
    for key in sorted(order, key=lambda k: order[k]):
        first = next((k for k in sorted(order, key=lambda k: order[k]) if k[1] == key[1]), key)
        items[key] = _item(key, asks.get(key, []), answers.get(key), items.get(first), plan, now)
    return list(items.values())


def _item(
    key: tuple[str, int],
    rows: list[tuple[Reminder, datetime | None]],
    answer: CheckInAnswer | None,
    first: CheckInItem | None,
    plan: TimelinePlan,
    now: datetime,
) -> CheckInItem:
    name, day = key
    sent = next((sent_at for r, sent_at in rows if r.status == ReminderStatus.sent), None)
    live = next((r for r, _ in rows if r.status == ReminderStatus.pending), None)
    latest = rows[-1][0] if rows else None

    def item(status: str, reason: str | None = None, due: datetime | None = None) -> CheckInItem:
        return CheckInItem(name, day, status, None, None, None, sent, None, due, reason)

    if answer is not None and answer.value is not None:
        return CheckInItem(
            name, day, ANSWERED, answer.value, answer.low, answer.high, sent,
            answer.answered_at, None, answer.escalation_reason,
        )  # fmt: skip
    if sent is not None:
        # One reminder a day later, then a day to answer it.
        overdue = now >= sent + 2 * plan.check_in_reminder_after
        return item(UNANSWERED if overdue else ASKED)
    if live is not None:
        return item(PLANNED, due=live.due_at)
    if latest is not None:
        return item(SKIPPED, latest.status_reason or latest.status)
    if first is not None and (first.question, first.day) != key:
        if first.status in (SKIPPED, UNANSWERED):
            return item(
                SKIPPED, first.reason or f"the {first.question} question went {first.status}"
            )
        return item(PLANNED, AFTER_THE_FIRST)
    return item(PLANNED)
