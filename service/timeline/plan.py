"""The MILD recovery timeline as data: which texts, when, and which seed says so.

Seed files live in ../shared/seeds/ (clinic pages about MILD). Where the seeds
disagree, the safer reading is the default and a clinic setting can change it;
the `why` beside each step says which.
"""

from dataclasses import dataclass, field, fields, replace
from datetime import time, timedelta
from enum import StrEnum

SEED_PREOP = "000_b6826931be15a910.txt"  # pre/post-op instructions of a MILD clinic
SEED_RECOVERY = "001_27fa282b5a7c9467.txt"  # recovery timeline, warning signs
SEED_NO_STITCHES = "002_da33cd23789872c5.txt"  # "doesn't even need stitches"
SEED_JOURNEY = "003_ece6b0eae58dfe97.txt"  # preparation, 2-week and 3-month follow-ups
SEED_PROS_CONS = "004_5577656f3ce2fc30.txt"  # physical therapy at 2 weeks, 6-8 weeks


class Phase(StrEnum):
    before = "before"  # must reach the patient before the procedure (or the visit)
    after = "after"  # only makes sense once the procedure is over


class FollowUpKind(StrEnum):
    wound_check = "wound_check"
    two_week = "two_week"
    three_month = "three_month"


@dataclass(frozen=True)
class Step:
    name: str
    phase: Phase
    # Calendar days (and months) from the procedure's local date, so "day +3" is
    # the third local calendar day whatever DST does in between.
    day: int
    months: int = 0
    # Local send time; None means `hours_after_end` after the procedure ends.
    at: time | None = time(9, 0)
    hours_after_end: float = 0.0
    # Repeated steps go out every `repeat_every_days` local days (occurrence 1, 2, ...).
    repeat: int = 1
    repeat_every_days: int = 1
    # A late step is still worth sending until local midnight this many days
    # after its planned date; after that it is skipped with a reason.
    useful_for_days: int = 1
    # Fasting is due at least this long before fasting starts, and is useful
    # until fasting starts.
    lead_before_fasting: timedelta | None = None
    # A booked visit of this kind replaces the generic "book your visit" step.
    replaced_by_visit: FollowUpKind | None = None
    enabled: bool = True
    # A check-in time point: the questions it asks, in order, one text each (the answer
    # to one sends the next; see service/checkins). Empty for an ordinary text.
    questions: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    why: str = ""

    @property
    def is_check_in(self) -> bool:
        return bool(self.questions)


@dataclass(frozen=True)
class SendingWindow:
    """Patient-local hours in which a text may be due, both ends included."""

    opens: time = time(8, 0)
    closes: time = time(21, 0)


@dataclass(frozen=True)
class TimelinePlan:
    steps: tuple[Step, ...]
    # Seed 000 says 8 hours, seed 003 "a few hours": 8 is the safer default.
    fasting_hours: int = 8
    # Seeds 000/002 "less than 1 hour", 003 "60-90 minutes"; used only to keep
    # after-procedure texts from arriving while the patient is still in the room.
    procedure_duration: timedelta = timedelta(hours=1)
    sending_window: SendingWindow = field(default_factory=SendingWindow)
    # No patient gets two texts closer than this from the planner.
    min_gap: timedelta = timedelta(minutes=60)
    # Seed 000: "see our office in 7-10 days".
    wound_check_days: tuple[int, int] = (7, 10)
    # Booked visits: a reminder the day before at this time, and one on the
    # morning of the visit when that is at least `min_gap` before it.
    visit_eve_at: time = time(10, 0)
    # Which saved plan this is (0 = the default steps with the clinic's settings).
    version: int = 0
    # When most people return to normal daily activity: seed 003 says 1-2 weeks, seeds
    # 001 and 004 say 2-4 weeks; the cautious 2-4 is the default (NORMAL_ACTIVITY_WEEKS).
    normal_activity_weeks: str = "2-4"
    # The 2-week and 3-month follow-ups the booking prompts give dates for.
    two_week_days: int = 14
    three_month_months: int = 3
    # A check-in question due with other texts goes out this long after them, as its
    # own text: the 60-minute gap is for reminders, not a question about to be answered.
    check_in_gap: timedelta = timedelta(minutes=5)
    # An unanswered question is asked once more (its short form) this long after.
    check_in_reminder_after: timedelta = timedelta(hours=24)

    def __hash__(self) -> int:
        # A plan is a cache key of every text composed (compose._procedure_variables):
        # hashing its steps afresh each time cost more than the look-up saved. Its fields
        # never change (frozen), so the hash is worked out once.
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", cached)
        return cached

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def with_settings(
        self,
        *,
        fasting_hours: int,
        procedure_duration: timedelta,
        sending_window: SendingWindow,
    ) -> "TimelinePlan":
        return replace(
            self,
            fasting_hours=fasting_hours,
            procedure_duration=procedure_duration,
            sending_window=sending_window,
        )


DEFAULT_STEPS: tuple[Step, ...] = (
    Step(
        name="prep_week",
        phase=Phase.before,
        day=-7,
        useful_for_days=6,
        seeds=(SEED_PREOP, SEED_JOURNEY),
        why="A week ahead leaves time for pre-procedure testing (000), blood-thinner "
        "instructions from the office (000) and arranging a driver and loose clothes "
        "(003). Still useful until the day before the procedure.",
    ),
    Step(
        name="fasting",
        phase=Phase.before,
        day=-1,
        at=time(18, 0),
        lead_before_fasting=timedelta(hours=1),
        seeds=(SEED_PREOP, SEED_JOURNEY),
        why="The evening before, and at least 1 h before fasting starts. Seed 000 says "
        "no food or drink for 8 hours, seed 003 'a few hours': the safer 8 is the "
        "default (setting FASTING_HOURS). Useful until fasting starts.",
    ),
    Step(
        name="day_of_rest",
        phase=Phase.after,
        day=0,
        at=None,
        hours_after_end=3.0,
        useful_for_days=2,
        seeds=(SEED_PREOP, SEED_RECOVERY, SEED_JOURNEY, SEED_PROS_CONS),
        why="A few hours after the procedure ends, once the patient is home: 'lazy' "
        "day and moderate to intense pain, pain medicine as prescribed (000); no driving "
        "or heavy machinery if you take any pain medication (001); the warning signs with "
        "what to do for each, as in `warning_signs`.",
    ),
    Step(
        name="shower",
        phase=Phase.after,
        day=1,
        useful_for_days=2,
        seeds=(SEED_PREOP, SEED_RECOVERY),
        why="Seed 000: 'You may shower or bath the morning after'; bandage off once "
        "there is no drainage (000; 001 says a few days to a week).",
    ),
    Step(
        name="light_activity",
        phase=Phase.after,
        day=1,
        useful_for_days=2,
        seeds=(SEED_PREOP, SEED_RECOVERY, SEED_PROS_CONS),
        why="Light activities within days, rest and light movements the first days "
        "(000, 001, 004), gentle walking (001); avoid heavy lifting and strenuous activity "
        "(001: 'avoid strenuous activities or heavy lifting'; 004: 'hold off on anything "
        "strenuous'); time off work varies, ask your doctor (000). Same time as the morning "
        "steps, so they share one text when it fits.",
    ),
    Step(
        name="ice",
        phase=Phase.after,
        day=1,
        repeat=7,
        useful_for_days=1,
        seeds=(SEED_PREOP,),
        why="Seed 000: 'For the next 7 days you will have back soreness, ice packs are "
        "recommended'. Each day's text says which day of the seven it is and is useful "
        "only that day. Same time as the morning steps, so they share one text.",
    ),
    Step(
        name="warning_signs",
        phase=Phase.after,
        day=2,
        repeat=2,
        repeat_every_days=5,
        useful_for_days=2,
        seeds=(SEED_RECOVERY, SEED_JOURNEY, SEED_PROS_CONS),
        why="The warning signs again in the first week (days +2 and +7), after the "
        "day-of text, each with what to do. Loss of bladder or bowel control 'needs "
        "immediate medical attention' (001) and new numbness or weakness in the legs is "
        "nerve trouble (001 symptoms, 003 'nerve injury'): call 911 or go to the emergency "
        "room now. Infection (001, 003, 004: fever, pus, redness or swelling that gets "
        "worse) and bleeding at the incision (003, 004: soaking the bandage): call the "
        "clinic now; after hours the after-hours number (setting CLINIC_AFTER_HOURS_PHONE), "
        "else the emergency room, the safer reading when a clinic has none. Mild swelling "
        "at the incision is expected in the first week (001), so only swelling that gets "
        "worse is a sign.",
    ),
    Step(
        name="wound_check",
        phase=Phase.after,
        day=2,
        useful_for_days=4,
        replaced_by_visit=FollowUpKind.wound_check,
        seeds=(SEED_PREOP, SEED_NO_STITCHES, SEED_PROS_CONS),
        why="Seed 000 asks for a visit in 7-10 days 'for suture removal and wound "
        "check', but MILD needs no stitches (000 itself, 002, 004), so the text says "
        "wound check only; a clinic that closes with sutures edits the template. "
        "Prompted on day +2 with the dates, early enough to book.",
    ),
    Step(
        name="driving",
        phase=Phase.after,
        day=3,
        useful_for_days=3,
        seeds=(SEED_PREOP, SEED_RECOVERY),
        why="Seed 000: 'You may drive after 3 days, if you feel ok to do so ... if you "
        "are not stable, ask your doctor first and do not drive'; seed 001: 'do not drive "
        "or operate heavy machinery if you take any pain medication'.",
    ),
    Step(
        name="two_week_followup",
        phase=Phase.after,
        day=7,
        useful_for_days=5,
        replaced_by_visit=FollowUpKind.two_week,
        seeds=(SEED_JOURNEY,),
        why="Seed 003: a 2-week visit checks the incision and early progress. Prompted "
        "on day +7 with the date, early enough to book.",
    ),
    Step(
        name="recovery_2_weeks",
        phase=Phase.after,
        day=13,
        useful_for_days=7,
        seeds=(SEED_PROS_CONS, SEED_RECOVERY, SEED_JOURNEY),
        why="Physical therapy 'if recommended by your doctor' (001); seed 004 says it "
        "usually starts about two weeks after, and 'we typically recommend' it: the text "
        "keeps 001's condition, the safer reading. Normal daily activities, including "
        "work: seed 003 says 1-2 weeks, 001 and 004 say 2-4 weeks; the cautious 2-4 is the "
        "default (setting NORMAL_ACTIVITY_WEEKS), avoiding strenuous activity and heavy "
        "lifting meanwhile (001) and until the doctor says otherwise (004: heavy lifting "
        "takes 6-8 weeks).",
    ),
    Step(
        name="activity_6_weeks",
        phase=Phase.after,
        day=42,
        useful_for_days=14,
        seeds=(SEED_RECOVERY, SEED_PROS_CONS),
        why="Seeds 001 and 004: vigorous activity and exercise usually resume at 6-8 "
        "weeks, as the provider advises.",
    ),
    Step(
        name="three_month_followup",
        phase=Phase.after,
        day=-21,
        months=3,
        useful_for_days=14,
        replaced_by_visit=FollowUpKind.three_month,
        seeds=(SEED_JOURNEY,),
        why="Seed 003: a 3-month visit to assess pain relief and mobility; prompted "
        "about 3 weeks ahead with the date, early enough to book.",
    ),
)

# Recovery check-ins (issue 18): the MILD trials (MiDAS ENCORE, MOTION) measured leg and back
# pain on the 0-10 numeric scale and walking tolerance at fixed time points; these are
# ours to ask (no licensed instrument's wording). Morning texts; each useful all its day.
CHECK_IN_QUESTIONS = ("pain", "walking")
_CHECK_IN_WHY = (
    "Asks the worst back or leg pain of the last 24 hours (0-10) and about how many "
    "minutes the patient can walk before needing to stop; an answer can call a person "
    "(service/checkins/escalation.py). Morning, its own text a few minutes after any "
    "other text due then."
)
CHECK_IN_STEPS: tuple[Step, ...] = (
    Step(
        name="check_in_baseline",
        phase=Phase.before,
        day=-7,
        useful_for_days=7,
        questions=CHECK_IN_QUESTIONS,
        why="The baseline, a week before, after the week-before text; a patient enrolled "
        "later is asked at enrollment while still before the procedure. " + _CHECK_IN_WHY,
    ),
    *(
        Step(
            name=f"check_in_day_{day}",
            phase=Phase.after,
            day=day,
            useful_for_days=1,
            questions=CHECK_IN_QUESTIONS,
            why=f"Day +{day}. " + _CHECK_IN_WHY,
        )
        for day in (3, 14, 42, 90)
    ),
)

DEFAULT_PLAN = TimelinePlan(steps=DEFAULT_STEPS + CHECK_IN_STEPS)

# Texts that are not timeline steps but go out because something changed.
CORRECTION_STEP = "procedure_moved"
CANCELLATION_STEP = "procedure_cancelled"
# INTAKE_SMS_CONSENT=ask: the first text to a patient a feed enrolled asks for YES.
CONSENT_REQUEST_STEP = "consent_request"
# Rides with the first text of every timeline: how to stop (US carrier rules).
OPT_OUT_STEP = "opt_out_notice"


def visit_step_name(kind: FollowUpKind | str) -> str:
    return f"{FollowUpKind(kind).value}_visit"


def question_step(question: str) -> str:
    """The reminder step (and template) that asks `question`; its occurrence is the
    check-in's day from the procedure (-7 for the baseline)."""
    return f"question_{question}"


def question_reminder_step(question: str) -> str:
    """The step that asks `question` again, in its short form, when it went unanswered."""
    return f"question_{question}_again"


def is_question_step(step: str) -> bool:
    """A reminder that asks a check-in question (first time or again)."""
    return step.startswith("question_")


def question_of(step: str) -> str:
    """`pain` for `question_pain` and `question_pain_again`."""
    return step.removeprefix("question_").removesuffix("_again")
