"""The segment ceiling on whole texts, as the worker sends them.

Steps due together share a text only while it fits; the rest go a minute later, and a
step too long on its own is cut between sentences (service.templates.fitting). Saving a
template renders every text of a sample timeline that uses it, with the draft in place,
split as the worker would split it, and refuses a draft whose words cannot be cut to
fit SMS_MAX_SEGMENTS (a single clause longer than the limit).
"""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from service.templates.compose import TextFacts
from service.templates.fitting import texts_of_slot
from service.templates.segments import SegmentCount, count_segments
from service.templates.source import FRAME_STEP, ActiveTemplate, TemplateSource
from service.timeline.local_time import local_date
from service.timeline.plan import (
    CANCELLATION_STEP,
    CONSENT_REQUEST_STEP,
    CORRECTION_STEP,
    TimelinePlan,
)
from service.timeline.planner import plan_reminders


class WithDraft:
    """The active templates, with one draft body standing in for its step."""

    def __init__(self, source: TemplateSource, step: str, language: str, body: str) -> None:
        self.source, self.step, self.language, self.body = source, step, language, body

    def get(self, step: str, language: str) -> ActiveTemplate:
        if (step, language) == (self.step, self.language):
            return ActiveTemplate(step, language, -1, self.body)
        return self.source.get(step, language)


def sample_slots(plan: TimelinePlan, facts: TextFacts) -> list[tuple[tuple[str, ...], datetime]]:
    """Every text of a sample timeline: the steps sharing each slot, and when it goes out."""
    early = facts.procedure_starts_at - timedelta(days=60)
    by_time: dict[datetime, list[str]] = defaultdict(list)
    for reminder in plan_reminders(plan, facts.procedure_starts_at, facts.zone, early):
        if reminder.status == "pending":
            by_time[reminder.due_at].append(reminder.step)
    slots = [(tuple(steps), due) for due, steps in sorted(by_time.items())]
    start = facts.procedure_starts_at
    for step in [*facts.visits, CORRECTION_STEP, CANCELLATION_STEP, CONSENT_REQUEST_STEP]:
        slots.append(((step,), start))
    return slots


def merged_over_ceiling(
    step: str,
    language: str,
    source: TemplateSource,
    plan: TimelinePlan,
    facts: TextFacts,
    ceiling: int,
) -> tuple[tuple[str, ...], SegmentCount] | None:
    """The first merged text using `step` that costs more than `ceiling` segments."""
    for steps, due in sample_slots(plan, facts):
        if step != FRAME_STEP and step not in steps:
            continue
        on_day = replace(facts, sending_on=local_date(due, facts.zone))
        for text in texts_of_slot(list(steps), on_day, language, ceiling, source):
            count = count_segments(text.text.body)
            if count.segments > ceiling:
                return steps, count
    return None
