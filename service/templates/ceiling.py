"""The segment ceiling on whole texts: steps due together go out as one merged text.

A step's own text may fit while the day it shares (day +1: shower, light activity and
ice; day +7: warning signs, the 2-week prompt and ice) does not, above all in Spanish
once one accented letter makes it UCS-2. Saving a template renders every merged text of
a sample timeline that uses it, with the draft in place, and refuses what would exceed
SMS_MAX_SEGMENTS.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from service.templates.compose import TextFacts, compose
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
        body = compose(list(steps), on_day, language, source).body
        count = count_segments(body)
        if count.segments > ceiling:
            return steps, count
    return None
