"""The timeline planner: plan, procedure, visits, patient zone and `now` in; reminders out.

Pure: no clock, no I/O. Everything that reads or writes the database sits around it
(`service.procedures.service`), so every rule here can be property-tested.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.timeline.local_time import add_months, local_date, local_instant, local_wall_time
from service.timeline.plan import FollowUpKind, Phase, Step, TimelinePlan, visit_step_name

PENDING = "pending"
SKIPPED = "skipped"

LATE_AT_ENROLLMENT = "enrolled after this reminder's time"


@dataclass(frozen=True)
class BookedVisit:
    kind: FollowUpKind
    starts_at: datetime


@dataclass(frozen=True)
class PlannedReminder:
    step: str
    occurrence: int
    due_at: datetime
    # Past this instant the text no longer helps (the dispatcher skips it then).
    useful_until: datetime
    status: str = PENDING
    status_reason: str | None = None


@dataclass
class _Candidate:
    step: str
    occurrence: int
    phase: Phase
    due_at: datetime
    earliest: datetime
    latest: datetime
    order: int


@dataclass
class _Group:
    due_at: datetime
    members: list[_Candidate] = field(default_factory=list)


def fasting_starts_at(plan: TimelinePlan, procedure_starts_at: datetime) -> datetime:
    return procedure_starts_at - timedelta(hours=plan.fasting_hours)


def plan_reminders(
    plan: TimelinePlan,
    procedure_starts_at: datetime,
    zone: ZoneInfo,
    now: datetime,
    *,
    visits: Sequence[BookedVisit] = (),
    already_done: Iterable[tuple[str, int]] = (),
    late_reason: str = LATE_AT_ENROLLMENT,
) -> list[PlannedReminder]:
    """Every reminder of the timeline, due inside the sending window, one text per slot.

    `already_done` lists (step, occurrence) pairs sent before (they stay history and are
    not planned again); `late_reason` explains a step whose time has passed.
    """
    done = set(already_done)
    ends_at = procedure_starts_at + plan.procedure_duration
    booked = {visit.kind: visit for visit in visits}
    candidates: list[_Candidate] = []
    skipped: list[PlannedReminder] = []

    order = 0
    for step in plan.steps:
        if not step.enabled or (step.replaced_by_visit in booked):
            continue
        for occurrence, (ideal, useful_until) in enumerate(
            _step_times(plan, step, procedure_starts_at, ends_at, zone), start=1
        ):
            order += 1
            if (step.name, occurrence) in done:
                continue
            candidate = _place(
                plan,
                step.name,
                occurrence,
                step.phase,
                ideal,
                useful_until,
                ends_at,
                zone,
                now,
                order,
            )
            if candidate is None:
                skipped.append(
                    PlannedReminder(
                        step.name, occurrence, ideal, useful_until, SKIPPED, late_reason
                    )
                )
            else:
                candidates.append(candidate)

    for visit in sorted(visits, key=lambda v: v.starts_at):
        for occurrence, ideal in enumerate(_visit_times(plan, visit, zone), start=1):
            order += 1
            name = visit_step_name(visit.kind)
            if (name, occurrence) in done or ideal is None:
                continue
            candidate = _place(
                plan,
                name,
                occurrence,
                Phase.before,
                ideal,
                visit.starts_at,
                ends_at,
                zone,
                now,
                order,
            )
            if candidate is None:
                skipped.append(
                    PlannedReminder(name, occurrence, ideal, visit.starts_at, SKIPPED, late_reason)
                )
            else:
                candidates.append(candidate)

    planned = [
        PlannedReminder(c.step, c.occurrence, c.due_at, c.latest)
        for c in _space_out(plan, candidates, zone)
    ]
    return sorted(planned + skipped, key=lambda r: (r.due_at, r.step, r.occurrence))


def _step_times(
    plan: TimelinePlan, step: Step, starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """(ideal due time, useful until) for each occurrence, before window rules."""
    procedure_day = local_date(starts_at, zone)
    times = []
    for index in range(step.repeat):
        day = add_months(procedure_day, step.months) + timedelta(days=step.day + index)
        if step.at is None:
            ideal = ends_at + timedelta(hours=step.hours_after_end)
            day = local_date(ideal, zone)
        else:
            ideal = local_instant(day, step.at, zone)
        useful_until = local_instant(day + timedelta(days=step.useful_for_days), time(0), zone)
        if step.lead_before_fasting is not None:
            fasting_start = fasting_starts_at(plan, starts_at)
            ideal = min(ideal, fasting_start - step.lead_before_fasting)
            useful_until = fasting_start
        if step.phase is Phase.before:
            useful_until = min(useful_until, starts_at)
        times.append((ideal, useful_until))
    return times


def _visit_times(plan: TimelinePlan, visit: BookedVisit, zone: ZoneInfo) -> list[datetime | None]:
    """The day before at `visit_eve_at`; the morning of, if it leaves `min_gap` to get there."""
    visit_day = local_date(visit.starts_at, zone)
    eve = local_instant(visit_day - timedelta(days=1), plan.visit_eve_at, zone)
    morning: datetime | None = local_instant(visit_day, plan.sending_window.opens, zone)
    if morning is not None and morning > visit.starts_at - plan.min_gap:
        morning = None
    return [eve, morning]


def _place(
    plan: TimelinePlan,
    step: str,
    occurrence: int,
    phase: Phase,
    ideal: datetime,
    useful_until: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    now: datetime,
    order: int,
) -> _Candidate | None:
    """Move a step into the sending window and out of the past, or None if it can't help."""
    window = plan.sending_window
    if phase is Phase.before:
        due = _last_window_instant_at_or_before(ideal, window.opens, window.closes, zone)
        earliest = now
        latest = useful_until
    else:
        due = _first_window_instant_at_or_after(
            max(ideal, ends_at), window.opens, window.closes, zone
        )
        earliest = max(now, ends_at)
        latest = useful_until
    if due < earliest:
        due = _first_window_instant_at_or_after(earliest, window.opens, window.closes, zone)
    # A pre-procedure text must arrive strictly before what it prepares for.
    too_late = due >= latest if phase is Phase.before else due > latest
    if too_late:
        return None
    return _Candidate(step, occurrence, phase, due, max(earliest, now), latest, order)


def _in_window(instant: datetime, opens: time, closes: time, zone: ZoneInfo) -> bool:
    wall = local_wall_time(instant, zone)
    return opens <= wall <= closes


def _first_window_instant_at_or_after(
    instant: datetime, opens: time, closes: time, zone: ZoneInfo
) -> datetime:
    if _in_window(instant, opens, closes, zone):
        return instant
    day = local_date(instant, zone)
    if local_wall_time(instant, zone) > closes:
        day += timedelta(days=1)
    return local_instant(day, opens, zone)


def _last_window_instant_at_or_before(
    instant: datetime, opens: time, closes: time, zone: ZoneInfo
) -> datetime:
    if _in_window(instant, opens, closes, zone):
        return instant
    day: date = local_date(instant, zone)
    if local_wall_time(instant, zone) < opens:
        day -= timedelta(days=1)
    closing = local_instant(day, closes, zone)
    # A gap at closing time could push the instant past it; stay inside the window.
    while not _in_window(closing, opens, closes, zone):
        closing -= timedelta(minutes=1)
    return closing


def _space_out(
    plan: TimelinePlan, candidates: list[_Candidate], zone: ZoneInfo
) -> list[_Candidate]:
    """Steps closer than `min_gap` share one text; otherwise they keep their times."""
    window = plan.sending_window
    groups: list[_Group] = []
    for candidate in sorted(candidates, key=lambda c: (c.due_at, c.order)):
        if not groups or candidate.due_at - groups[-1].due_at >= plan.min_gap:
            groups.append(_Group(candidate.due_at, [candidate]))
            continue
        group = groups[-1]
        if candidate.earliest <= group.due_at <= candidate.latest and not (
            candidate.phase is Phase.before and group.due_at >= candidate.latest
        ):
            candidate.due_at = group.due_at
            group.members.append(candidate)
        elif all(m.earliest <= candidate.due_at < m.latest for m in group.members):
            group.due_at = candidate.due_at
            for member in group.members:
                member.due_at = candidate.due_at
            group.members.append(candidate)
        else:
            # Neither can move to the other: keep a full gap after the group.
            later = _first_window_instant_at_or_after(
                group.due_at + plan.min_gap, window.opens, window.closes, zone
            )
            candidate.due_at = later
            groups.append(_Group(later, [candidate]))
    return [member for group in groups for member in group.members]


def first_sendable_instant(plan: TimelinePlan, now: datetime, zone: ZoneInfo) -> datetime:
    """`now` if it is inside the patient's sending window, else the next opening."""
    window = plan.sending_window
    return _first_window_instant_at_or_after(now, window.opens, window.closes, zone)
