"""Property tests of the timeline planner and its patient-local calendar arithmetic.

Every zone the system knows, procedures around the DST changes of both hemispheres,
and a `now` anywhere from two months before to a few days after the procedure.
"""

import calendar
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from service.timeline.local_time import add_months, local_instant
from service.timeline.plan import (
    DEFAULT_PLAN,
    OPT_OUT_STEP,
    FollowUpKind,
    Phase,
    SendingWindow,
    TimelinePlan,
    is_question_step,
    question_reminder_step,
    question_step,
    visit_step_name,
)
from service.timeline.planner import (
    LATE_AT_ENROLLMENT,
    NO_SENDING_TIME,
    BookedVisit,
    PlannedReminder,
    fasting_starts_at,
    plan_reminders,
)

ZONES = sorted(zoneinfo.available_timezones())
PRE_STEPS = {"prep_week", "fasting"}
VISIT_STEPS = {visit_step_name(kind) for kind in FollowUpKind}
# Far enough ahead that every step, prep_week included, is planned rather than late.
WELL_BEFORE = timedelta(days=10)

PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def quarter_hours(first: time, last: time) -> st.SearchStrategy[time]:
    start = first.hour * 60 + first.minute
    end = last.hour * 60 + last.minute
    return st.integers(start // 15, end // 15).map(lambda q: time(q * 15 // 60, q * 15 % 60))


# Around March/April and September-November both hemispheres change clocks; the
# other draws are any day of the three years.
dst_season_dates = st.builds(
    lambda year, month, day: date(year, month, min(day, calendar.monthrange(year, month)[1])),
    st.integers(2026, 2028),
    st.sampled_from([3, 4, 9, 10, 11]),
    st.integers(1, 31),
)
any_dates = st.dates(date(2026, 1, 1), date(2028, 12, 31))
procedure_dates = st.one_of(dst_season_dates, any_dates)
procedure_times = quarter_hours(time(5, 0), time(19, 0))


@st.composite
def plans(draw: st.DrawFn) -> TimelinePlan:
    """Mostly the default plan; otherwise any settings the clinic config accepts."""
    if draw(st.integers(0, 2)) == 0:
        return DEFAULT_PLAN
    opens = draw(quarter_hours(time(5, 0), time(12, 0)))
    opens_minutes = opens.hour * 60 + opens.minute
    closes = draw(quarter_hours(time(opens.hour + 1, opens.minute), time(23, 0)))
    assert (closes.hour * 60 + closes.minute) - opens_minutes >= 60
    return DEFAULT_PLAN.with_settings(
        fasting_hours=draw(st.integers(1, 24)),
        procedure_duration=timedelta(minutes=draw(st.integers(2, 96)) * 5),
        sending_window=SendingWindow(opens, closes),
    )


class Case:
    """One patient's inputs (a plain class so failures print in local time)."""

    def __init__(
        self,
        plan: TimelinePlan,
        zone: ZoneInfo,
        starts_at: datetime,
        now: datetime,
        visits: tuple[BookedVisit, ...],
    ) -> None:
        self.plan = plan
        self.zone = zone
        self.starts_at = starts_at
        self.now = now
        self.visits = visits

    def __repr__(self) -> str:
        plan = self.plan
        return (
            f"Case(zone={self.zone.key!r}, starts={wall(self.starts_at, self.zone)}, "
            f"now={wall(self.now, self.zone)}, fasting_hours={plan.fasting_hours}, "
            f"duration={plan.procedure_duration}, window={plan.sending_window}, "
            f"visits={[(v.kind.value, wall(v.starts_at, self.zone)) for v in self.visits]})"
        )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.plan.procedure_duration

    @property
    def booked(self) -> list[BookedVisit]:
        """The visit planned for each kind: the earliest booking of it."""
        earliest: dict[FollowUpKind, BookedVisit] = {}
        for visit in sorted(self.visits, key=lambda v: v.starts_at):
            earliest.setdefault(visit.kind, visit)
        return list(earliest.values())

    @property
    def well_before(self) -> bool:
        return self.now <= self.starts_at - WELL_BEFORE

    def run(self, already_done: Iterable[tuple[str, int]] = ()) -> list[PlannedReminder]:
        return plan_reminders(
            self.plan,
            self.starts_at,
            self.zone,
            self.now,
            visits=self.visits,
            already_done=already_done,
        )


VISIT_DAYS = {
    FollowUpKind.wound_check: (1, 14),
    FollowUpKind.two_week: (7, 21),
    FollowUpKind.three_month: (80, 100),
}


@st.composite
def cases(draw: st.DrawFn, *, with_visits: bool = False, planned_ahead: bool = False) -> Case:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    day = draw(procedure_dates)
    starts_at = local_instant(day, draw(procedure_times), zone)
    # `now` as any minute in range, or a quarter hour of a local day (which hits the
    # window's edges and the step times exactly).
    last_day = -11 if planned_ahead else 4
    now = draw(
        st.one_of(
            st.integers(-60 * 24 * 60, last_day * 24 * 60).map(
                lambda minutes: starts_at + timedelta(minutes=minutes)
            ),
            st.builds(
                lambda offset, at: local_instant(day + timedelta(days=offset), at, zone),
                st.integers(-60, last_day),
                quarter_hours(time(0, 0), time(23, 45)),
            ),
        )
    )
    visits: list[BookedVisit] = []
    if with_visits:
        # Now and then two bookings of one kind: only the earliest is planned.
        for kind in draw(st.lists(st.sampled_from(list(FollowUpKind)), max_size=4)):
            low, high = VISIT_DAYS[kind]
            visit_day = day + timedelta(days=draw(st.integers(low, high)))
            at = draw(quarter_hours(time(7, 0), time(18, 0)))
            visits.append(BookedVisit(kind, local_instant(visit_day, at, zone)))
    return Case(draw(plans()), zone, starts_at, now.astimezone(UTC), tuple(visits))


def pending(reminders: list[PlannedReminder]) -> list[PlannedReminder]:
    return [r for r in reminders if r.status == "pending"]


def expected_keys(case: Case) -> set[tuple[str, int]]:
    """Every (step, occurrence) the plan asks for, given the booked visits."""
    booked = {visit.kind for visit in case.visits}
    keys = {
        (step.name, occurrence)
        for step in case.plan.steps
        if step.enabled and step.replaced_by_visit not in booked and not step.is_check_in
        for occurrence in range(1, step.repeat + 1)
    }
    for visit in case.booked:
        name = visit_step_name(visit.kind)
        keys.add((name, 1))
        visit_day = visit.starts_at.astimezone(case.zone).date()
        morning = local_instant(visit_day, case.plan.sending_window.opens, case.zone)
        if morning <= visit.starts_at - case.plan.min_gap:
            keys.add((name, 2))
    return keys


def check_questions(case: Case, reminders: list[PlannedReminder]) -> list[PlannedReminder]:
    """Check-in questions keep their own rules; the rest of the timeline is returned."""
    plan, zone, window = case.plan, case.zone, case.plan.sending_window
    questions = [r for r in reminders if is_question_step(r.step)]
    texts = [r for r in reminders if not is_question_step(r.step)]
    check_ins = [s for s in plan.steps if s.is_check_in and s.enabled]
    first_asks = {(question_step(s.questions[0]), s.day) for s in check_ins}
    assert {(r.step, r.occurrence) for r in questions if "_again" not in r.step} == first_asks
    text_slots = {r.due_at for r in pending(texts)}
    by_key = {(r.step, r.occurrence): r for r in questions}
    for question in pending(questions):
        local = wall(question.due_at, zone).time()
        assert window.opens <= local <= window.closes, question
        assert case.now <= question.due_at < question.useful_until, question
        # Its own text: never inside `check_in_gap` of another text.
        assert all(abs(question.due_at - slot) >= plan.check_in_gap for slot in text_slots)
        if question.occurrence < 0:
            assert question.due_at < case.starts_at, question
        else:
            assert question.due_at >= case.ends_at, question
        if "_again" in question.step:
            asked = by_key[(question.step.removesuffix("_again"), question.occurrence)]
            assert asked.status == "pending"
            assert question.due_at >= asked.due_at + plan.check_in_reminder_after
    for question in questions:
        if question.status == "skipped":
            assert question.status_reason in (LATE_AT_ENROLLMENT, NO_SENDING_TIME)
    return texts


def check_timeline(case: Case, reminders: list[PlannedReminder]) -> None:
    plan, zone = case.plan, case.zone
    everything = reminders
    reminders = check_questions(case, reminders)
    window = plan.sending_window
    fasting_start = fasting_starts_at(plan, case.starts_at)
    visit_at = {visit_step_name(v.kind): v.starts_at for v in case.booked}

    keys = [(r.step, r.occurrence) for r in reminders]
    assert len(keys) == len(set(keys)), "a step/occurrence planned twice"
    # How to stop rides with the first pending text of the timeline.
    notice = {("opt_out_notice", 1)} if pending(everything) else set()
    assert set(keys) == expected_keys(case) | notice
    if notice:
        # With the first text, or the first question when no other text is to come.
        first = min(r.due_at for r in pending(reminders) or pending(everything))
        assert next(r for r in reminders if r.step == "opt_out_notice").due_at == first
    for reminder in reminders:
        assert reminder.status in ("pending", "skipped")
        assert reminder.due_at.tzinfo is not None
        if reminder.status == "skipped":
            assert reminder.status_reason

    for reminder in pending(reminders):
        local = wall(reminder.due_at, zone).time()
        assert window.opens <= local <= window.closes, (reminder, local)
        assert reminder.due_at >= case.now, reminder
        assert reminder.status_reason is None
        assert reminder.due_at < reminder.useful_until, reminder
        if reminder.step == "opt_out_notice":
            continue  # checked above: it shares the first text's time
        if reminder.step in PRE_STEPS:
            assert reminder.due_at < case.starts_at, reminder
            assert plan.step(reminder.step).phase is Phase.before
        elif reminder.step in VISIT_STEPS:
            assert reminder.due_at < visit_at[reminder.step], reminder
            # A follow-up reminder never reaches a patient still in the procedure.
            assert reminder.due_at >= case.ends_at, reminder
        else:
            assert plan.step(reminder.step).phase is Phase.after
            assert reminder.due_at >= case.ends_at, reminder
        if reminder.step == "fasting":
            assert reminder.due_at < fasting_start, reminder
            if case.well_before:
                assert reminder.due_at <= fasting_start - timedelta(hours=1), reminder

    # One text per slot, and slots at least `min_gap` apart.
    slots = sorted({r.due_at for r in pending(reminders)})
    for earlier, later in pairwise(slots):
        assert later - earlier >= plan.min_gap, (earlier, later)

    if case.well_before:
        skipped = [r for r in reminders if r.status == "skipped"]
        # Planned ahead, only a visit too close to the procedure can leave no room.
        assert all(r.step in VISIT_STEPS for r in skipped), skipped
        assert all(r.status_reason == NO_SENDING_TIME for r in skipped), skipped
    for reminder in reminders:
        if reminder.status == "skipped":
            assert reminder.status_reason in (LATE_AT_ENROLLMENT, NO_SENDING_TIME)
        elif reminder.step in VISIT_STEPS and reminder.occurrence == 2 and case.well_before:
            # The morning of the visit at window opening, with time to get there.
            visit = visit_at[reminder.step]
            local = wall(reminder.due_at, zone)
            assert local.date() == wall(visit, zone).date()
            assert reminder.due_at <= visit - plan.min_gap


@PROPERTY_SETTINGS
@given(cases())
def test_every_timeline_keeps_the_rules(case: Case) -> None:
    reminders = case.run()
    check_timeline(case, reminders)
    assert case.run() == reminders, "planning twice must give the same timeline"


@PROPERTY_SETTINGS
@given(cases(with_visits=True))
def test_timelines_with_booked_visits_keep_the_rules(case: Case) -> None:
    reminders = case.run()
    check_timeline(case, reminders)
    assert case.run() == reminders
    # The order bookings arrive in (a database's whim) changes nothing.
    reordered = Case(case.plan, case.zone, case.starts_at, case.now, case.visits[::-1])
    assert reordered.run() == reminders
    for visit in case.visits:
        generic = next(s for s in case.plan.steps if s.replaced_by_visit is visit.kind)
        assert all(r.step != generic.name for r in reminders)


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_already_done_steps_are_not_planned_again(case: Case, data: st.DataObject) -> None:
    full = case.run()
    keys = sorted((r.step, r.occurrence) for r in full)
    done = set(data.draw(st.lists(st.sampled_from(keys), unique=True)))
    again = case.run(already_done=done)
    expected = set(keys) - done
    # A question already asked keeps its stored reminder (reconcile leaves it be).
    expected -= {
        (question_reminder_step(step.removeprefix("question_")), occurrence)
        for step, occurrence in done
        if is_question_step(step)
    }
    if not pending(again):
        # Nothing left to send (what remains has passed): the opt-out line rides only
        # with a text that goes out, so it is not planned on its own.
        expected.discard((OPT_OUT_STEP, 1))

    # A question's reminder a day later comes whenever it fits the window, which can turn
    # on where the question itself lands: compared without it.
    def asked(keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
        return {(step, n) for step, n in keys if not step.endswith("_again")}

    assert asked({(r.step, r.occurrence) for r in again}) == asked(expected)
    slots = sorted({r.due_at for r in pending(again) if not is_question_step(r.step)})
    for earlier, later in pairwise(slots):
        assert later - earlier >= case.plan.min_gap


@PROPERTY_SETTINGS
@given(cases(planned_ahead=True))
def test_ice_goes_out_on_seven_consecutive_local_days(case: Case) -> None:
    assert case.well_before
    ice = sorted((r for r in case.run() if r.step == "ice"), key=lambda r: r.occurrence)
    assert [r.occurrence for r in ice] == list(range(1, 8))
    assert all(r.status == "pending" for r in ice)
    days = [wall(r.due_at, case.zone).date() for r in ice]
    assert days == [days[0] + timedelta(days=n) for n in range(7)]
    procedure_day = wall(case.starts_at, case.zone).date()
    assert days[0] >= procedure_day + timedelta(days=1)


# --- local_instant and add_months ------------------------------------------------------


@cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """UTC instants in `year` where the zone's offset changes (found day by day)."""
    zone = ZoneInfo(zone_name)
    found = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    while instant < end:
        following = instant + timedelta(days=1)
        if instant.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = instant, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        instant = following
    return tuple(found)


ZONES_WITH_CHANGES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Antarctica/Troll",
    "Europe/Dublin",
    "America/Havana",
    "Asia/Tehran",
    "America/St_Johns",
]


@st.composite
def walls_near_a_change(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """A wall time within 90 minutes of a clock change, to hit gaps and folds."""
    name = draw(st.one_of(st.sampled_from(ZONES_WITH_CHANGES), st.sampled_from(ZONES)))
    changes = transitions(name, draw(st.integers(2026, 2028)))
    assume(changes)
    change = draw(st.sampled_from(changes))
    zone = ZoneInfo(name)
    side = draw(st.sampled_from([change - timedelta(seconds=1), change]))
    near = wall(side, zone).replace(second=0) + timedelta(minutes=draw(st.integers(-90, 90)))
    return zone, near


@st.composite
def any_walls(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    moment = draw(st.datetimes(datetime(1990, 1, 1), datetime(2037, 12, 31)))
    return zone, moment.replace(second=0, microsecond=0)


@settings(max_examples=500, deadline=None)
@given(st.one_of(walls_near_a_change(), any_walls()))
def test_local_instant_round_trips_gaps_forward_folds_first(
    zone_and_wall: tuple[ZoneInfo, datetime],
) -> None:
    zone, local = zone_and_wall
    result = local_instant(local.date(), local.time(), zone)
    assert result.tzinfo is not None
    # The UTC readings of this wall time under each of the offsets around it.
    readings = [local.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    existing = [r for r in readings if wall(r, zone) == local]
    if existing:
        assert result == min(existing)  # exists: the first occurrence
        assert wall(result, zone) == local
    else:
        # In a gap: the first instant whose wall time is past the skipped one.
        assert wall(result, zone) > local
        assert wall(result - timedelta(seconds=1), zone) < local


@settings(max_examples=500, deadline=None)
@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.integers(-1200, 1200))
def test_add_months_counts_calendar_months_and_clamps_to_month_end(day: date, months: int) -> None:
    result = add_months(day, months)
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    assert (result.year, result.month) == (year, month + 1)
    assert result.day == min(day.day, calendar.monthrange(year, month + 1)[1])
    if day.day <= 28:
        assert result.day == day.day


def test_add_months_month_ends() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)
