"""The order a text's steps are read in, and the name of a step's continuation."""

from collections.abc import Sequence

from service.timeline.plan import CANCELLATION_STEP, CORRECTION_STEP, TimelinePlan

# Read first: what changed (a correction), then what to do about warning signs, then
# what asks the patient to act (book, confirm a visit); the rest in the timeline's order.
_LEADS = {
    CORRECTION_STEP: 0,
    CANCELLATION_STEP: 0,
    "warning_signs": 1,
    "day_of_rest": 1,
    "wound_check": 2,
    "two_week_followup": 2,
    "three_month_followup": 2,
}
# A step the worker split across texts continues as "<step>~<first piece>" (fitting.py).
PART_MARK = "~"


def split_part(step: str) -> tuple[str, int]:
    """("warning_signs", 2) for "warning_signs~2": the step and its first piece."""
    base, _, first = step.partition(PART_MARK)
    return base, int(first) if first.isdigit() else 0


def reading_order(steps: Sequence[str], plan: TimelinePlan) -> list[str]:
    """The steps as the patient should read them (see `_LEADS`), each once."""
    order = {step.name: index for index, step in enumerate(plan.steps)}

    def key(name: str) -> tuple[int, int, int]:
        base, first = split_part(name)
        lead = 1 if base.endswith("_visit") else _LEADS.get(base, 3)
        return (lead, order.get(base, len(order)), first)

    return sorted(_unique(steps), key=key)


def _unique(steps: Sequence[str]) -> list[str]:
    # Several ice occurrences never share a slot, but a merged slot lists a step once.
    return list(dict.fromkeys(steps))
