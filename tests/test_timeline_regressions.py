"""The clinic's timeline, case by case: DST changes, odd offsets, late enrollment, visits.

Times are the patient's wall clock unless a test says UTC; every expected time follows
from a rule of the product's issue (named beside the assertion).
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from service.timeline.local_time import local_instant
from service.timeline.plan import DEFAULT_PLAN as WITH_CHECK_INS
from service.timeline.plan import FollowUpKind, SendingWindow, TimelinePlan
from service.timeline.planner import (
    LATE_AT_ENROLLMENT,
    NO_SENDING_TIME,
    BookedVisit,
    PlannedReminder,
    fasting_starts_at,
    plan_reminders,
)

Key = tuple[str, int]
# These stories are about the texts; check-ins keep their own rules (test_check_in_plan.py).
DEFAULT_PLAN = replace(
    WITH_CHECK_INS, steps=tuple(s for s in WITH_CHECK_INS.steps if not s.is_check_in)
)

ALL_STEPS = {
    ("prep_week", 1),
    ("fasting", 1),
    ("day_of_rest", 1),
    ("shower", 1),
    ("light_activity", 1),
    *{("ice", n) for n in range(1, 8)},
    ("warning_signs", 1),
    ("warning_signs", 2),
    ("driving", 1),
    ("wound_check", 1),
    ("two_week_followup", 1),
    ("recovery_2_weeks", 1),
    ("activity_6_weeks", 1),
    ("three_month_followup", 1),
    ("opt_out_notice", 1),
}


def wall(text: str) -> datetime:
    """'2027-03-13 10:00' as a naive wall-clock datetime."""
    return datetime.fromisoformat(text)


def instant(zone: str, text: str) -> datetime:
    local = wall(text)
    return local_instant(local.date(), local.time(), ZoneInfo(zone))


def utc(text: str) -> datetime:
    return wall(text).replace(tzinfo=UTC)


class Timeline:
    """One patient's planned reminders, read in the patient's zone."""

    def __init__(
        self,
        zone: str,
        procedure: str,
        now: str,
        *,
        plan: TimelinePlan = DEFAULT_PLAN,
        visits: tuple[tuple[FollowUpKind, str], ...] = (),
        already_done: set[Key] | None = None,
    ) -> None:
        self.zone = ZoneInfo(zone)
        self.plan = plan
        self.starts_at = instant(zone, procedure)
        self.now = instant(zone, now)
        self.visits = [BookedVisit(kind, instant(zone, at)) for kind, at in visits]
        self.reminders = plan_reminders(
            plan,
            self.starts_at,
            self.zone,
            self.now,
            visits=self.visits,
            already_done=already_done or (),
        )
        self.by_key = {(r.step, r.occurrence): r for r in self.reminders}
        assert len(self.by_key) == len(self.reminders), "a step planned twice"

    def __getitem__(self, key: Key | str) -> PlannedReminder:
        return self.by_key[(key, 1) if isinstance(key, str) else key]

    def local(self, key: Key | str) -> datetime:
        return self[key].due_at.astimezone(self.zone).replace(tzinfo=None)

    def pending(self) -> list[PlannedReminder]:
        return [r for r in self.reminders if r.status == "pending"]

    def texts(self) -> list[datetime]:
        """The local times of the texts the patient gets (merged steps are one text)."""
        slots = sorted({r.due_at for r in self.pending()})
        return [s.astimezone(self.zone).replace(tzinfo=None) for s in slots]

    def check_spacing_and_window(self) -> None:
        slots = sorted({r.due_at for r in self.pending()})
        for earlier, later in pairwise(slots):
            assert later - earlier >= self.plan.min_gap
        window = self.plan.sending_window
        for reminder in self.pending():
            local = reminder.due_at.astimezone(self.zone).time()
            assert window.opens <= local <= window.closes, reminder


def ice_days(timeline: Timeline) -> list[datetime]:
    return [timeline.local(("ice", n)) for n in range(1, 8)]


# --- Daylight saving and odd offsets ---------------------------------------------------


def test_new_york_spring_forward_keeps_morning_texts_at_nine() -> None:
    # Clocks jump 02:00 -> 03:00 on Sunday 14 March 2027; the procedure is the day before.
    t = Timeline("America/New_York", "2027-03-13 10:00", now="2027-02-01 12:00")
    assert {(r.step, r.occurrence) for r in t.reminders} == ALL_STEPS
    assert all(r.status == "pending" for r in t.reminders)
    assert t.local("prep_week") == wall("2027-03-06 09:00")
    assert t.local("fasting") == wall("2027-03-12 18:00")
    assert t.local("day_of_rest") == wall("2027-03-13 14:00")  # ends 11:00, +3 h
    assert t.local("shower") == wall("2027-03-14 09:00")
    assert ice_days(t) == [wall(f"2027-03-{d} 09:00") for d in range(14, 21)]
    assert t["ice"].due_at == utc("2027-03-14 13:00")  # EDT, not 14:00 UTC (EST)
    assert t.local("driving") == wall("2027-03-16 09:00")
    assert t.local("wound_check") == wall("2027-03-15 09:00")  # day +2: time to book
    assert t.local(("warning_signs", 1)) == wall("2027-03-15 09:00")
    assert t.local(("warning_signs", 2)) == wall("2027-03-20 09:00")
    assert t.local("two_week_followup") == wall("2027-03-20 09:00")
    assert t.local("opt_out_notice") == t.local("prep_week")  # rides with the first text
    t.check_spacing_and_window()


def test_new_york_day_before_spring_forward_ice_texts_are_23_hours_apart() -> None:
    t = Timeline("America/New_York", "2027-03-12 10:00", now="2027-02-01 12:00")
    assert t["ice", 1].due_at == utc("2027-03-13 14:00")  # 09:00 EST
    assert t["ice", 2].due_at == utc("2027-03-14 13:00")  # 09:00 EDT
    assert t["ice", 2].due_at - t["ice", 1].due_at == timedelta(hours=23)


def test_new_york_procedure_day_after_spring_forward_fasting_evening_before() -> None:
    t = Timeline("America/New_York", "2027-03-15 07:00", now="2027-02-01 12:00")
    assert fasting_starts_at(DEFAULT_PLAN, t.starts_at) == instant(
        "America/New_York", "2027-03-14 23:00"
    )
    assert t.local("fasting") == wall("2027-03-14 18:00")
    assert t["fasting"].due_at == utc("2027-03-14 22:00")  # already EDT


def test_new_york_fall_back_keeps_morning_texts_at_nine() -> None:
    # Clocks fall 02:00 -> 01:00 on Sunday 7 November 2027.
    t = Timeline("America/New_York", "2027-11-06 10:00", now="2027-10-01 12:00")
    assert t.local("day_of_rest") == wall("2027-11-06 14:00")
    assert ice_days(t) == [wall(f"2027-11-{d:02} 09:00") for d in range(7, 14)]
    assert t["ice", 1].due_at == utc("2027-11-07 14:00")  # EST
    t.check_spacing_and_window()


def test_new_york_day_before_fall_back_ice_texts_are_25_hours_apart() -> None:
    t = Timeline("America/New_York", "2027-11-05 10:00", now="2027-10-01 12:00")
    assert t["ice", 1].due_at == utc("2027-11-06 13:00")  # 09:00 EDT
    assert t["ice", 2].due_at == utc("2027-11-07 14:00")  # 09:00 EST
    assert t["ice", 2].due_at - t["ice", 1].due_at == timedelta(hours=25)


def test_new_york_procedure_day_after_fall_back() -> None:
    t = Timeline("America/New_York", "2027-11-08 07:00", now="2027-10-01 12:00")
    assert t.local("fasting") == wall("2027-11-07 18:00")
    assert t["fasting"].due_at == utc("2027-11-07 23:00")
    assert t.local("prep_week") == wall("2027-11-01 09:00")  # across the change
    assert t["prep_week"].due_at == utc("2027-11-01 13:00")  # still EDT then


def test_new_york_gap_moves_forward_and_fold_takes_first_occurrence() -> None:
    zone = ZoneInfo("America/New_York")
    assert local_instant(date(2027, 3, 14), time(2, 30), zone) == utc("2027-03-14 07:00")
    assert local_instant(date(2027, 11, 7), time(1, 30), zone) == utc("2027-11-07 05:30")


def test_london_spring_forward_morning_after_is_nine_bst() -> None:
    # Clocks jump 01:00 -> 02:00 on Sunday 28 March 2027.
    t = Timeline("Europe/London", "2027-03-27 10:00", now="2027-03-01 12:00")
    assert t.local("shower") == wall("2027-03-28 09:00")
    assert t["shower"].due_at == utc("2027-03-28 08:00")
    assert ice_days(t) == [wall(f"2027-03-{d} 09:00") for d in range(28, 32)] + [
        wall(f"2027-04-0{d} 09:00") for d in range(1, 4)
    ]
    later = Timeline("Europe/London", "2027-03-29 07:00", now="2027-03-01 12:00")
    assert later.local("fasting") == wall("2027-03-28 18:00")
    assert later["fasting"].due_at == utc("2027-03-28 17:00")
    zone = ZoneInfo("Europe/London")
    assert local_instant(date(2027, 3, 28), time(1, 30), zone) == utc("2027-03-28 01:00")


def test_lord_howe_half_hour_spring_forward() -> None:
    # 3 October 2027: 02:00 +10:30 -> 02:30 +11:00.
    t = Timeline("Australia/Lord_Howe", "2027-10-02 10:00", now="2027-09-01 12:00")
    assert t.starts_at == utc("2027-10-01 23:30")
    assert t.local("day_of_rest") == wall("2027-10-02 14:00")
    assert t.local("shower") == wall("2027-10-03 09:00")
    assert t["shower"].due_at == utc("2027-10-02 22:00")
    assert ice_days(t) == [wall(f"2027-10-{d:02} 09:00") for d in range(3, 10)]
    assert t["ice", 2].due_at - t["ice", 1].due_at == timedelta(hours=24)
    zone = ZoneInfo("Australia/Lord_Howe")
    # 02:15 does not exist that night: the first instant after the gap is 02:30.
    assert local_instant(date(2027, 10, 3), time(2, 15), zone) == utc("2027-10-02 15:30")
    after = Timeline("Australia/Lord_Howe", "2027-10-04 07:00", now="2027-09-01 12:00")
    assert after.local("fasting") == wall("2027-10-03 18:00")
    assert after["fasting"].due_at == utc("2027-10-03 07:00")
    t.check_spacing_and_window()


def test_lord_howe_half_hour_fall_back() -> None:
    # 4 April 2027: 02:00 +11:00 -> 01:30 +10:30, so the day is 24.5 hours long.
    t = Timeline("Australia/Lord_Howe", "2027-04-03 10:00", now="2027-03-01 12:00")
    assert t.starts_at == utc("2027-04-02 23:00")
    assert t["ice", 1].due_at == utc("2027-04-03 22:30")
    assert ice_days(t) == [wall(f"2027-04-{d:02} 09:00") for d in range(4, 11)]
    before = Timeline("Australia/Lord_Howe", "2027-04-02 10:00", now="2027-03-01 12:00")
    assert before["ice", 2].due_at - before["ice", 1].due_at == timedelta(hours=24, minutes=30)
    zone = ZoneInfo("Australia/Lord_Howe")
    # 01:45 happens twice that night: the first (+11:00) one counts.
    assert local_instant(date(2027, 4, 4), time(1, 45), zone) == utc("2027-04-03 14:45")


def test_kolkata_half_hour_offset() -> None:
    t = Timeline("Asia/Kolkata", "2027-06-10 10:00", now="2027-05-01 12:00")
    assert t.starts_at == utc("2027-06-10 04:30")
    assert t["fasting"].due_at == utc("2027-06-09 12:30")  # 18:00 +05:30
    assert t["ice", 1].due_at == utc("2027-06-11 03:30")
    assert t.local("day_of_rest") == wall("2027-06-10 14:00")
    t.check_spacing_and_window()


def test_phoenix_has_no_dst_while_new_york_springs_forward() -> None:
    t = Timeline("America/Phoenix", "2027-03-13 10:00", now="2027-02-01 12:00")
    assert t.starts_at == utc("2027-03-13 17:00")
    assert [r.due_at for r in (t["ice", 1], t["ice", 2])] == [
        utc("2027-03-14 16:00"),
        utc("2027-03-15 16:00"),
    ]
    assert ice_days(t) == [wall(f"2027-03-{d} 09:00") for d in range(14, 21)]


def test_chatham_quarter_hour_offset_and_its_dst() -> None:
    # +12:45, and +13:45 from 26 September 2027 (02:45 -> 03:45).
    t = Timeline("Pacific/Chatham", "2027-09-25 10:00", now="2027-08-01 12:00")
    assert t.starts_at == utc("2027-09-24 21:15")
    assert t.local("day_of_rest") == wall("2027-09-25 14:00")
    assert t["ice", 1].due_at == utc("2027-09-25 19:15")  # 09:00 +13:45
    assert ice_days(t) == [wall(f"2027-09-{d} 09:00") for d in range(26, 31)] + [
        wall("2027-10-01 09:00"),
        wall("2027-10-02 09:00"),
    ]
    autumn = Timeline("Pacific/Chatham", "2027-04-03 10:00", now="2027-03-01 12:00")
    assert autumn["ice", 1].due_at == utc("2027-04-03 20:15")  # 09:00 +12:45
    t.check_spacing_and_window()


# --- Fasting -----------------------------------------------------------------------------


def test_seven_oclock_procedure_gets_fasting_text_at_six_the_evening_before() -> None:
    t = Timeline("America/Chicago", "2027-06-10 07:00", now="2027-05-01 12:00")
    fasting_start = fasting_starts_at(DEFAULT_PLAN, t.starts_at)
    assert fasting_start == instant("America/Chicago", "2027-06-09 23:00")
    assert t.local("fasting") == wall("2027-06-09 18:00")
    assert fasting_start - t["fasting"].due_at == timedelta(hours=5)
    assert t["fasting"].useful_until == fasting_start


def test_six_oclock_procedure_with_twelve_hours_fasting_texts_by_five() -> None:
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=12,
        procedure_duration=timedelta(hours=1),
        sending_window=SendingWindow(),
    )
    t = Timeline("America/Chicago", "2027-06-10 06:00", now="2027-05-01 12:00", plan=plan)
    assert fasting_starts_at(plan, t.starts_at) == instant("America/Chicago", "2027-06-09 18:00")
    # At least an hour before fasting starts, so 17:00 rather than the usual 18:00.
    assert t.local("fasting") == wall("2027-06-09 17:00")


def test_fasting_from_early_morning_moves_to_the_evening_before_not_into_the_night() -> None:
    # 10:00 procedure: fasting starts 02:00, an hour before is 01:00 (outside the window),
    # so the text moves earlier to the window's close the evening before.
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00")
    assert t.local("fasting") == wall("2027-06-09 18:00")
    late_night = DEFAULT_PLAN.with_settings(
        fasting_hours=24, procedure_duration=timedelta(hours=1), sending_window=SendingWindow()
    )
    t = Timeline("America/Chicago", "2027-06-10 05:00", now="2027-05-01 12:00", plan=late_night)
    # Fasting starts 05:00 the day before; 04:00 is outside the window: 21:00 two days before.
    assert t.local("fasting") == wall("2027-06-08 21:00")


# --- Late enrollment ---------------------------------------------------------------------


def test_enrolled_two_days_before_gets_prep_week_at_once_and_fasting_as_planned() -> None:
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-08 11:20")
    assert t["prep_week"].status == "pending"
    assert t.local("prep_week") == wall("2027-06-08 11:20")
    assert t.local("fasting") == wall("2027-06-09 18:00")
    assert all(r.status == "pending" for r in t.reminders)
    early = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-08 06:30")
    assert early.local("prep_week") == wall("2027-06-08 08:00")  # window opening


def test_enrolled_at_half_past_ten_the_night_before_skips_fasting_with_a_reason() -> None:
    # Fasting starts at 02:00; the window opens at 08:00, after that: nothing at night.
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-09 22:30")
    for step in ("prep_week", "fasting"):
        assert t[step].status == "skipped"
        assert t[step].status_reason == LATE_AT_ENROLLMENT
    assert t.texts()[0] == wall("2027-06-10 14:00")  # day_of_rest, as planned
    t.check_spacing_and_window()


def test_enrolled_in_the_evening_before_still_gets_the_fasting_text_at_once() -> None:
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-09 19:10")
    assert t["fasting"].status == "pending"
    assert t.local("fasting") == wall("2027-06-09 19:10")
    # 05:00 procedure: fasting starts 21:00; at 20:30 there is still time, at 21:00 not.
    t = Timeline("America/Chicago", "2027-06-10 05:00", now="2027-06-09 20:30")
    assert t.local("fasting") == wall("2027-06-09 20:30")
    t = Timeline("America/Chicago", "2027-06-10 05:00", now="2027-06-09 21:00")
    assert t["fasting"].status == "skipped"


def test_enrolled_after_the_procedure_skips_pre_steps_and_keeps_the_rest() -> None:
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-10 16:05")
    assert {(r.step, r.occurrence) for r in t.reminders} == ALL_STEPS  # never silent
    for step in ("prep_week", "fasting"):
        assert t[step].status == "skipped"
        assert t[step].status_reason == LATE_AT_ENROLLMENT
    assert t.local("day_of_rest") == wall("2027-06-10 16:05")  # 14:00 passed, still useful
    assert t.local("shower") == wall("2027-06-11 09:00")
    assert all(t[key].status == "pending" for key in ALL_STEPS - {("prep_week", 1), ("fasting", 1)})
    t.check_spacing_and_window()


def test_enrolled_the_evening_after_gets_everything_still_useful_in_one_text() -> None:
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-11 20:00")
    one_text = {"day_of_rest", "shower"}
    for step in one_text:
        assert t.local(step) == wall("2027-06-11 20:00")
    assert t.local(("ice", 1)) == wall("2027-06-11 20:00")
    assert t.local(("ice", 2)) == wall("2027-06-12 09:00")


def test_enrolled_two_mornings_after_skips_yesterdays_texts() -> None:
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-06-12 07:00")
    for key in (("day_of_rest", 1), ("ice", 1)):
        assert t[key].status == "skipped"
        assert t[key].status_reason == LATE_AT_ENROLLMENT
    assert t.local("shower") == wall("2027-06-12 08:00")  # useful until the 13th
    assert t.local(("ice", 2)) == wall("2027-06-12 09:00")  # an hour later: its own text
    t.check_spacing_and_window()


# --- Calendar months ---------------------------------------------------------------------


def test_three_month_followup_after_november_30_is_prompted_3_weeks_before_february_29() -> None:
    t = Timeline("America/New_York", "2027-11-30 10:00", now="2027-11-01 12:00")
    # 30 Nov + 3 months = 29 Feb 2028 (leap year, clamped); the booking prompt goes
    # 3 weeks before.
    assert t.local("three_month_followup") == wall("2028-02-08 09:00")
    t = Timeline("America/New_York", "2026-11-30 10:00", now="2026-11-01 12:00")
    assert t.local("three_month_followup") == wall("2027-02-07 09:00")  # 28 Feb - 21


# --- Sending window and spacing ----------------------------------------------------------


def test_evening_procedure_day_of_rest_waits_for_the_morning_an_hour_before_shower() -> None:
    t = Timeline("America/Chicago", "2027-06-10 19:30", now="2027-05-01 12:00")
    # Ends 20:30; +3 h is 23:30, outside the window: the next opening.
    assert t.local("day_of_rest") == wall("2027-06-11 08:00")
    assert t.local("shower") == wall("2027-06-11 09:00")
    assert t.local(("ice", 1)) == wall("2027-06-11 09:00")
    # 60 minutes apart: two texts, which the gap rule allows.
    assert t.texts()[2:4] == [wall("2027-06-11 08:00"), wall("2027-06-11 09:00")]
    t.check_spacing_and_window()


def test_evening_procedure_texts_closer_than_an_hour_merge_into_one() -> None:
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=8,
        procedure_duration=timedelta(hours=1),
        sending_window=SendingWindow(time(8, 30), time(21, 0)),
    )
    t = Timeline("America/Chicago", "2027-06-10 19:30", now="2027-05-01 12:00", plan=plan)
    assert t.local("day_of_rest") == wall("2027-06-11 08:30")
    assert t.local("shower") == wall("2027-06-11 08:30")
    assert t.local(("ice", 1)) == wall("2027-06-11 08:30")
    t.check_spacing_and_window()


def test_closing_time_itself_is_inside_the_window() -> None:
    t = Timeline("America/Chicago", "2027-06-10 17:00", now="2027-05-01 12:00")
    assert t.local("day_of_rest") == wall("2027-06-10 21:00")


def test_window_ten_to_six_moves_morning_texts_to_ten_and_prep_earlier() -> None:
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=8,
        procedure_duration=timedelta(hours=1),
        sending_window=SendingWindow(time(10, 0), time(18, 0)),
    )
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", plan=plan)
    assert t.local("shower") == wall("2027-06-11 10:00")
    assert ice_days(t) == [wall(f"2027-06-{d} 10:00") for d in range(11, 18)]
    assert t.local("driving") == wall("2027-06-13 10:00")
    # A pre-procedure step moves earlier: 09:00 on the 3rd becomes 18:00 on the 2nd.
    assert t.local("prep_week") == wall("2027-06-02 18:00")
    assert t.local("fasting") == wall("2027-06-09 18:00")
    t.check_spacing_and_window()


def test_window_closing_before_nine_keeps_ice_on_its_day() -> None:
    # A clinic window of 06:00-08:30: the next opening would be the next day, when a
    # one-day `ice` text is no use, so it goes out at the close of its own day.
    plan = DEFAULT_PLAN.with_settings(
        fasting_hours=8,
        procedure_duration=timedelta(hours=1),
        sending_window=SendingWindow(time(6, 0), time(8, 30)),
    )
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", plan=plan)
    assert all(r.status == "pending" for r in t.reminders)
    assert ice_days(t) == [wall(f"2027-06-{d} 08:30") for d in range(11, 18)]
    t.check_spacing_and_window()


# --- Booked visits and already sent ------------------------------------------------------


def test_booked_wound_check_replaces_the_generic_step_with_two_visit_reminders() -> None:
    visit = (FollowUpKind.wound_check, "2027-06-18 11:00")
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", visits=(visit,))
    assert ("wound_check", 1) not in t.by_key
    assert t.local(("wound_check_visit", 1)) == wall("2027-06-17 10:00")  # day before
    assert t.local(("wound_check_visit", 2)) == wall("2027-06-18 08:00")  # window opening
    assert t["wound_check_visit", 2].useful_until == instant("America/Chicago", "2027-06-18 11:00")
    assert t.local(("ice", 7)) == wall("2027-06-17 09:00")  # an hour before the eve text
    t.check_spacing_and_window()


def test_early_visit_gets_no_morning_reminder() -> None:
    # 08:30 visit: 08:00 would leave 30 minutes to get there, so only the eve text.
    visit = (FollowUpKind.two_week, "2027-06-24 08:30")
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", visits=(visit,))
    assert ("two_week_followup", 1) not in t.by_key
    assert ("two_week_visit", 2) not in t.by_key
    assert t.local(("two_week_visit", 1)) == wall("2027-06-23 10:00")


def test_visit_the_morning_after_an_evening_procedure_is_not_texted_during_it() -> None:
    # Day-before 10:00 would be before the 19:30 procedure even ends (20:30).
    visit = (FollowUpKind.wound_check, "2027-06-11 11:00")
    t = Timeline("America/Chicago", "2027-06-10 19:30", now="2027-05-01 12:00", visits=(visit,))
    assert t.local(("wound_check_visit", 1)) == wall("2027-06-10 20:30")
    assert t.local(("wound_check_visit", 2)) == wall("2027-06-11 08:00")


def test_visit_with_no_room_after_the_procedure_is_skipped_with_a_reason() -> None:
    # Procedure ends 21:30; the visit is at 07:30 before the window opens: no time fits.
    visit = (FollowUpKind.wound_check, "2027-06-11 07:30")
    t = Timeline("America/Chicago", "2027-06-10 20:30", now="2027-05-01 12:00", visits=(visit,))
    assert t["wound_check_visit", 1].status == "skipped"
    assert t["wound_check_visit", 1].status_reason == NO_SENDING_TIME


def test_two_bookings_of_one_kind_plan_one_set_of_reminders() -> None:
    # Reminders are keyed by step and occurrence: the earliest booking counts, whatever
    # order the bookings come in.
    visits = (
        (FollowUpKind.wound_check, "2027-06-18 11:00"),
        (FollowUpKind.wound_check, "2027-06-17 11:00"),
    )
    for order in (visits, visits[::-1]):
        t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", visits=order)
        assert t.local(("wound_check_visit", 1)) == wall("2027-06-16 10:00")
        assert t.local(("wound_check_visit", 2)) == wall("2027-06-17 08:00")
        assert [r.step for r in t.reminders].count("wound_check_visit") == 2


def test_already_sent_steps_are_not_planned_again() -> None:
    sent = {("prep_week", 1), ("opt_out_notice", 1), ("ice", 1)}
    fresh = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00")
    t = Timeline("America/Chicago", "2027-06-10 10:00", now="2027-05-01 12:00", already_done=sent)
    assert set(t.by_key) == ALL_STEPS - sent
    for key in ALL_STEPS - sent:
        assert t[key] == fresh[key]


def test_planning_twice_gives_the_same_timeline() -> None:
    args = ("Australia/Lord_Howe", "2027-10-02 10:00")
    first = Timeline(*args, now="2027-09-30 20:45")
    second = Timeline(*args, now="2027-09-30 20:45")
    assert first.reminders == second.reminders
