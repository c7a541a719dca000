"""The variables a text may use, what each holds, and the values previews and checks use."""

from collections.abc import Mapping

# name -> (what it holds, sample value used for previews and validation). Samples have
# the type the composer passes (numbers are ints), so validation sees what sending sees.
# To add a variable: add one line here, then supply it where texts are composed.
_VARIABLES: dict[str, tuple[str, str | int]] = {
    "given_name": ("The patient's given (first) name.", "Maria"),
    "family_name": ("The patient's family (last) name.", "Lopez"),
    "clinic_name": ("The clinic's name.", "Valley Spine Center"),
    "clinic_phone": ("The clinic's phone number.", "(555) 201-4477"),
    "clinic_after_hours_phone": (
        "The after-hours number (CLINIC_AFTER_HOURS_PHONE); empty when the clinic has none.",
        "(555) 201-4400",
    ),
    "procedure_date": ("Day of the procedure, e.g. 'Tuesday, March 16'.", "Tuesday, March 16"),
    "procedure_time": ("Time the procedure starts, e.g. '7:00 AM'.", "7:00 AM"),
    "fasting_start_time": (
        "Clock time fasting begins, e.g. '11:00 PM'.",
        "11:00 PM",
    ),
    "fasting_start_day": (
        "The day fasting starts, with its lead-in word, e.g. 'on Monday, March 15'.",
        "on Monday, March 15",
    ),
    "fasting_hours": ("How many hours before the procedure fasting starts, e.g. 8.", 8),
    "appointment_date": (
        "Day of the follow-up appointment, e.g. 'Friday, March 26'.",
        "Friday, March 26",
    ),
    "appointment_time": ("Time of the follow-up appointment, e.g. '10:30 AM'.", "10:30 AM"),
    "appointment_kind": ("What the appointment is, e.g. 'wound check'.", "wound check"),
    "wound_check_from_day": ("First day after the procedure for the wound check, e.g. 7.", 7),
    "wound_check_to_day": ("Last day after the procedure for the wound check, e.g. 10.", 10),
    "wound_check_from_date": (
        "First day of the wound-check window, e.g. 'Tuesday, March 23'.",
        "Tuesday, March 23",
    ),
    "wound_check_to_date": (
        "Last day of the wound-check window, e.g. 'Friday, March 26'.",
        "Friday, March 26",
    ),
    "two_week_date": (
        "About when the 2-week follow-up falls, e.g. 'Tuesday, March 30'.",
        "Tuesday, March 30",
    ),
    "three_month_date": (
        "About when the 3-month follow-up falls, e.g. 'Wednesday, June 16'.",
        "Wednesday, June 16",
    ),
    "normal_activity_weeks": (
        "When most people return to normal daily activity, in weeks (setting "
        "NORMAL_ACTIVITY_WEEKS), e.g. '2-4'.",
        "2-4",
    ),
    "ice_day": ("Which of the ice days it is (0 when unknown), e.g. 3.", 3),
    "ice_days": ("How many ice texts the plan sends (its ice repetitions), e.g. 7.", 7),
    "mention_fasting": (
        "True when the patient was already told a fasting time (for `procedure_moved`).",
        True,
    ),
}

TEMPLATE_VARIABLES: dict[str, str] = {name: desc for name, (desc, _) in _VARIABLES.items()}
SAMPLE_VARIABLES: dict[str, str | int] = {name: sample for name, (_, sample) in _VARIABLES.items()}

# Patients validation renders for besides the sample one: accented, long and short names
# (the patient record allows 100 characters each), since a template may branch on them.
SAMPLE_NAMES: tuple[tuple[str, str], ...] = (
    ("Maria", "Lopez"),
    ("María José", "Nguyễn-Fernández de la Peña"),
    ("Begoña", "Ibáñez"),
    ("Al", "Li"),
    (("Bartholomew Maximilian-" * 5)[:100], ("Featherstonehaugh-Núñez " * 5)[:100]),
)


def default_samples() -> list[Mapping[str, object]]:
    """What validation tries besides the sample patient when the caller gives nothing:
    each sample name, every other one with other yes/no, day and date values."""
    other = {
        "mention_fasting": False,
        "ice_day": 5,
        "ice_days": 5,
        "appointment_kind": "",
        "appointment_date": "",
        "appointment_time": "",
        "procedure_date": "miércoles 17 de marzo",
        "procedure_time": "7:00 a.m.",
    }
    samples: list[Mapping[str, object]] = []
    for index, (given, family) in enumerate(SAMPLE_NAMES):
        names = {"given_name": given, "family_name": family}
        samples.append(names if index % 2 == 0 else {**other, **names})
    return samples
