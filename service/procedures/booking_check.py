"""A date that is probably a typing slip: a procedure or visit already past, or more than a
year ahead. The console asks before booking it, listing what the planner would do to
the texts: which are skipped (their time has passed) and which go out late, at once.

The planner answers both questions: the timeline planned as of `now`, against the same
timeline planned long before anything is due (every text on time). No rule of its own.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from service.patients.models import Patient
from service.procedures.appointments import AppointmentStatus
from service.procedures.models import Procedure
from service.procedures.service import resolve_scheduled_at
from service.procedures.visits import booked_appointments
from service.timeline.plan import OPT_OUT_STEP, FollowUpKind, TimelinePlan, visit_step_name
from service.timeline.planner import PENDING, SKIPPED, BookedVisit, plan_reminders

FAR_AHEAD = timedelta(days=365)
# Spacing texts apart may move one by up to an hour: that is on time, not late.
ON_TIME_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class LateText:
    step: str
    due_at: datetime  # when it would go out now
    planned_at: datetime  # when it would have gone out, booked in time


@dataclass(frozen=True)
class SkippedText:
    step: str
    planned_at: datetime
    reason: str | None


@dataclass(frozen=True)
class DateCheck:
    starts_at: datetime
    in_past: bool  # else: more than a year ahead
    skipped: list[SkippedText]
    late: list[LateText]


def is_unusual_date(starts_at: datetime, now: datetime) -> bool:
    return starts_at < now or starts_at > now + FAR_AHEAD


def check_procedure_date(
    plan: TimelinePlan, starts_at: datetime, zone: ZoneInfo, now: datetime
) -> DateCheck | None:
    """None for an ordinary date; else what booking the procedure then does to its texts."""
    if not is_unusual_date(starts_at, now):
        return None
    return _compare(plan, starts_at, starts_at, zone, now, (), None)


def check_visit_date(
    plan: TimelinePlan,
    procedure_starts_at: datetime,
    visits: Sequence[BookedVisit],
    kind: FollowUpKind,
    starts_at: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> DateCheck | None:
    """None for an ordinary date; else what booking (or moving) the visit then does to
    its own reminders. `visits`: the other visits booked."""
    if not is_unusual_date(starts_at, now):
        return None
    others = [v for v in visits if v.kind != kind]
    booked = [*others, BookedVisit(kind, starts_at)]
    return _compare(plan, procedure_starts_at, starts_at, zone, now, booked, visit_step_name(kind))


def _compare(
    plan: TimelinePlan,
    procedure_starts_at: datetime,
    starts_at: datetime,
    zone: ZoneInfo,
    now: datetime,
    visits: Sequence[BookedVisit],
    only_step: str | None,
) -> DateCheck:
    # Planned well before anything is due: each text at its own time.
    long_before = min(procedure_starts_at, starts_at, now) - timedelta(days=400)
    on_time = {
        (r.step, r.occurrence): r
        for r in plan_reminders(plan, procedure_starts_at, zone, long_before, visits=visits)
    }
    skipped: list[SkippedText] = []
    late: list[LateText] = []
    for reminder in plan_reminders(plan, procedure_starts_at, zone, now, visits=visits):
        if reminder.step == OPT_OUT_STEP or (only_step and reminder.step != only_step):
            continue
        planned = on_time.get((reminder.step, reminder.occurrence))
        if planned is None or planned.status != PENDING:
            continue  # never sent even when booked in time: not this date's doing
        if reminder.status == SKIPPED:
            skipped.append(SkippedText(reminder.step, planned.due_at, reminder.status_reason))
        elif reminder.due_at - planned.due_at > ON_TIME_SLACK:
            late.append(LateText(reminder.step, reminder.due_at, planned.due_at))
    return DateCheck(starts_at, starts_at < now, skipped, late)


def check_booking(
    session: Session, patient: Patient, wall: datetime, plan: TimelinePlan, now: datetime
) -> DateCheck | None:
    """`check_procedure_date` for a wall time typed for `patient` (refusals as booking's)."""
    zone = ZoneInfo(patient.timezone)
    return check_procedure_date(plan, resolve_scheduled_at(wall, zone, now), zone, now)


def check_visit_booking(
    session: Session,
    procedure: Procedure,
    patient: Patient,
    kind: FollowUpKind,
    wall: datetime,
    plan: TimelinePlan,
    now: datetime,
) -> DateCheck | None:
    """`check_visit_date` for a visit wall time typed for `patient`."""
    assert procedure.id is not None
    zone = ZoneInfo(patient.timezone)
    starts_at = resolve_scheduled_at(wall, zone, now, field="starts_at")
    visits = [
        BookedVisit(FollowUpKind(a.kind), a.starts_at)
        for a in booked_appointments(session, procedure.id)
        if a.status == AppointmentStatus.booked
    ]
    return check_visit_date(plan, procedure.scheduled_at, visits, kind, starts_at, zone, now)
