"""The timeline planner: plan, procedure, visits, patient zone and `now` in; reminders out.

Pure: no clock, no I/O. Everything that reads or writes the database sits around it
(`service.procedures.service` and `.reconcile`), so every rule here can be property-tested.
"""

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.timeline.local_time import add_months, local_date, local_instant
from service.timeline.plan import (
    OPT_OUT_STEP,
    FollowUpKind,
    Phase,
    Step,
    TimelinePlan,
    question_step,
    visit_step_name,
)
from service.timeline.question_times import place_questions
from service.timeline.window import (
    first_window_instant_at_or_after,
    last_window_instant_at_or_before,
)

PENDING = "pending"
SKIPPED = "skipped"

LATE_AT_ENROLLMENT = "enrolled after this reminder's time"
# Not about lateness: even planned from scratch the sending window leaves no instant
# at which the text is allowed and still useful (a visit booked right after the
# procedure, say). Said so, rather than blaming late enrollment.
NO_SENDING_TIME = "no time inside the sending window while this reminder is still useful"


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
    # The text may go out from `earliest` and must go out before `latest`.
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

    One visit per kind is planned: reminders are keyed by step and occurrence, so two
    bookings of a kind would collide. When several are given, the earliest counts,
    whatever order they come in (a database query may return them in any order, and
    planning must not change with it).
    """
    done = set(already_done)
    ends_at = procedure_starts_at + plan.procedure_duration
    booked: dict[FollowUpKind, BookedVisit] = {}
    for visit in sorted(visits, key=lambda v: v.starts_at):
        booked.setdefault(FollowUpKind(visit.kind), visit)
    candidates: list[_Candidate] = []
    questions: list[_Candidate] = []
    skipped: list[PlannedReminder] = []
    order = 0

    def consider(
        name: str,
        occurrence: int,
        phase: Phase,
        ideal: datetime,
        useful_until: datetime,
        not_before: datetime | None,
        into: list[_Candidate] = candidates,
    ) -> None:
        nonlocal order
        order += 1
        if (name, occurrence) in done:
            return
        due = _place(plan, phase, ideal, useful_until, not_before, zone, now)
        if due is None:
            fits_when_early = _place(plan, phase, ideal, useful_until, not_before, zone, None)
            reason = late_reason if fits_when_early is not None else NO_SENDING_TIME
            skipped.append(PlannedReminder(name, occurrence, ideal, useful_until, SKIPPED, reason))
            return
        earliest = now if not_before is None else max(now, not_before)
        into.append(_Candidate(name, occurrence, phase, due, earliest, useful_until, order))

    for step in plan.steps:
        if not step.enabled or (step.replaced_by_visit in booked):
            continue
        times = _step_times(plan, step, procedure_starts_at, ends_at, zone)
        for occurrence, (ideal, useful_until) in enumerate(times, start=1):
            # No after-procedure text while the patient may still be in the room.
            not_before = ends_at if step.phase is Phase.after else None
            if step.is_check_in:
                # A check-in's first question; the answer sends the next (service/checkins).
                # Its occurrence is its day, which names the time point wherever it moves.
                name = question_step(step.questions[0])
                consider(name, step.day, step.phase, ideal, useful_until, not_before, questions)
            else:
                consider(step.name, occurrence, step.phase, ideal, useful_until, not_before)

    for visit in sorted(booked.values(), key=lambda v: (v.starts_at, v.kind)):
        for occurrence, reminder_at in enumerate(_visit_times(plan, visit, zone), start=1):
            if reminder_at is not None:
                # Before the visit, but (like every follow-up text) after the procedure.
                consider(
                    visit_step_name(visit.kind),
                    occurrence,
                    Phase.before,
                    reminder_at,
                    visit.starts_at,
                    ends_at,
                )

    spaced, crowded_out = _space_out(plan, candidates, zone)
    planned = [PlannedReminder(c.step, c.occurrence, c.due_at, c.latest) for c in spaced]
    placed, unplaced = place_questions(plan, questions, {c.due_at for c in spaced}, done, zone)
    asked = [PlannedReminder(*question) for question in placed]
    crowded_out += [c for c in questions if any(c is u for u in unplaced)]
    first_texts = planned or asked
    if first_texts and (OPT_OUT_STEP, 1) not in done:
        # How to stop rides with the first text the patient will get of this timeline.
        first = min(first_texts, key=lambda r: (r.due_at, r.step))
        planned.append(PlannedReminder(OPT_OUT_STEP, 1, first.due_at, first.useful_until))
    planned += asked
    planned += [
        PlannedReminder(c.step, c.occurrence, c.due_at, c.latest, SKIPPED, NO_SENDING_TIME)
        for c in crowded_out
    ]
    return sorted(planned + skipped, key=lambda r: (r.due_at, r.step, r.occurrence))


def _step_times(
    plan: TimelinePlan, step: Step, starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """(ideal due time, useful until) for each occurrence, before window rules."""
    procedure_day = local_date(starts_at, zone)
    times = []
    for index in range(step.repeat):
        offset = step.day + index * step.repeat_every_days
        day = add_months(procedure_day, step.months) + timedelta(days=offset)
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
    phase: Phase,
    ideal: datetime,
    useful_until: datetime,
    not_before: datetime | None,
    zone: ZoneInfo,
    now: datetime | None,
) -> datetime | None:
    """A due time inside the sending window and not in the past, or None if none helps.

    Every text must go out before `useful_until` (for a pre-procedure step that is at
    the latest the procedure's start) and not before `not_before`.
    """
    window = plan.sending_window
    if phase is Phase.before:
        # Moving earlier keeps it ahead of what it prepares for.
        due = last_window_instant_at_or_before(ideal, window.opens, window.closes, zone)
    else:
        start = ideal if not_before is None else max(ideal, not_before)
        due = first_window_instant_at_or_after(start, window.opens, window.closes, zone)
        if due >= useful_until:
            # The window closes before the step's time of day (a clinic window of
            # 06:00-08:30, say): the next opening is a day late, and a one-day text
            # like `ice` would be useless there, so send it earlier that day instead.
            earlier = last_window_instant_at_or_before(ideal, window.opens, window.closes, zone)
            if not_before is None or earlier >= not_before:
                due = earlier
    floor = [moment for moment in (now, not_before) if moment is not None]
    if floor and due < max(floor):
        due = first_window_instant_at_or_after(max(floor), window.opens, window.closes, zone)
    # Still useful means strictly before `useful_until`: a pre-procedure text must
    # arrive before the procedure (or visit), fasting before fasting starts.
    return due if due < useful_until else None


def _space_out(
    plan: TimelinePlan, candidates: list[_Candidate], zone: ZoneInfo
) -> tuple[list[_Candidate], list[_Candidate]]:
    """One text per slot, slots at least `min_gap` apart: (planned, crowded out).

    Candidates are taken in due order. One closer than `min_gap` to the last slot joins
    it, going out earlier (never before its `earliest`); if it cannot, the slot moves
    later to it when every member may go out then (after-procedure steps only: a
    pre-procedure text never moves later); failing both it waits a full gap and is
    taken again in order, and a step that cannot wait that long is crowded out.
    Because every candidate is taken at or after the previous one, slot times only
    grow and each slot keeps its gap to the one before.
    """
    window = plan.sending_window
    queue = [(c.due_at, c.order, c) for c in candidates]
    heapq.heapify(queue)
    groups: list[_Group] = []
    crowded_out: list[_Candidate] = []
    while queue:
        _, _, candidate = heapq.heappop(queue)
        if not groups or candidate.due_at - groups[-1].due_at >= plan.min_gap:
            groups.append(_Group(candidate.due_at, [candidate]))
            continue
        group = groups[-1]
        if candidate.earliest <= group.due_at < candidate.latest:
            candidate.due_at = group.due_at
            group.members.append(candidate)
        elif all(m.phase is Phase.after and candidate.due_at < m.latest for m in group.members):
            group.due_at = candidate.due_at
            for member in group.members:
                member.due_at = candidate.due_at
            group.members.append(candidate)
        else:
            later = first_window_instant_at_or_after(
                group.due_at + plan.min_gap, window.opens, window.closes, zone
            )
            if later < candidate.latest:
                candidate.due_at = later
                heapq.heappush(queue, (later, candidate.order, candidate))
            else:
                crowded_out.append(candidate)
    return [member for group in groups for member in group.members], crowded_out


def first_sendable_instant(plan: TimelinePlan, now: datetime, zone: ZoneInfo) -> datetime:
    """`now` if it is inside the patient's sending window, else the next opening."""
    window = plan.sending_window
    return first_window_instant_at_or_after(now, window.opens, window.closes, zone)
