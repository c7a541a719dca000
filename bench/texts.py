"""Every text one patient gets, and what it costs: texts and SMS segments per patient.

    python -m bench.texts          # prints the table and writes its section of RESULTS.md

A whole timeline (week-before to the 3-month prompt, no visits booked), planned from well
before the procedure, each slot split as the worker splits it at send time
(`service.templates.fitting.texts_of_slot`). A Wednesday procedure puts a Saturday in the
wound-check window ("sábado", UCS-2 in Spanish); a Tuesday one does not.
"""

import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.results import write_section
from service.config import Settings
from service.templates.compose import TextFacts
from service.templates.fitting import texts_of_slot
from service.templates.segments import count_segments
from service.timeline.active import default_plan
from service.timeline.local_time import local_date
from service.timeline.planner import plan_reminders

ZONE = ZoneInfo("America/New_York")
PATIENTS = (
    ("Maria", "en"),
    ("Maria", "es"),
    ("María", "en"),
    ("María", "es"),
    ("Begoña", "es"),
    ("Nguyễn", "en"),
)
PROCEDURES = {
    "Tuesday": datetime(2027, 3, 16, 11, tzinfo=UTC),
    "Wednesday": datetime(2027, 3, 17, 11, tzinfo=UTC),
}


def timeline(name: str, language: str, starts_at: datetime, max_segments: int) -> list[int]:
    """The segments of each text the patient gets, in order."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    plan = default_plan(settings)
    facts = TextFacts(
        given_name=name,
        family_name="Lopez",
        clinic_name="Lakeside Spine",
        clinic_phone="(555) 201-3344",
        zone=ZONE,
        procedure_starts_at=starts_at,
        plan=plan,
        visits={},
    )
    slots: dict[datetime, list[str]] = {}
    for reminder in plan_reminders(plan, starts_at, ZONE, starts_at - timedelta(days=30)):
        if reminder.status == "pending":
            slots.setdefault(reminder.due_at, []).append(reminder.step)
    segments = []
    for due, steps in sorted(slots.items()):
        on_day = replace(facts, sending_on=local_date(due, ZONE))
        for text in texts_of_slot(steps, on_day, language, max_segments):
            assert text.segments == count_segments(text.text.body).segments
            segments.append(text.segments)
    return segments


def main() -> int:
    limit = Settings(_env_file=None).sms_max_segments  # type: ignore[call-arg]
    rows = []
    over = 0
    for day, starts_at in PROCEDURES.items():
        for name, language in PATIENTS:
            costs = timeline(name, language, starts_at, limit)
            over += sum(c > limit for c in costs)
            rows.append(
                f"| {name} | {language} | {day} | {len(costs)} | {sum(costs)} | {max(costs)} |"
            )
            print(rows[-1])
    write_section(
        "texts",
        "## Texts and segments per patient\n\n"
        "Reproduce: `.venv/bin/python -m bench.texts`. One patient's whole timeline (no "
        "visits booked), each slot split at send time to stay within SMS_MAX_SEGMENTS = "
        f"{limit}. An accented í or ễ makes every text UCS-2 (67 characters a segment, not "
        "153); ñ and é stay GSM-7. Texts over the limit: "
        f"{over}.\n\n| name | language | procedure on | texts | segments | largest text |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
    )
    return 0 if over == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
