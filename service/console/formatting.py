"""Dates and times as people read them, always with the zone named:
"Tuesday 14 April 2027, 7:30am New York time"."""

from datetime import datetime
from zoneinfo import ZoneInfo


def zone_label(zone: str) -> str:
    """'America/New_York' -> 'New York time'; 'UTC' -> 'UTC'."""
    if "/" not in zone:
        return zone
    return zone.rsplit("/", 1)[1].replace("_", " ") + " time"


def _clock(local: datetime) -> str:
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    return f"{hour}:{local.minute:02d}{suffix}" if local.minute else f"{hour}{suffix}"


def local_datetime(value: datetime | None, zone: str) -> str:
    """The instant in `zone`, written out, with the zone named."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y}, {_clock(local)} {zone_label(zone)}"


def local_date(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B %Y}"


def local_time(value: datetime | None, zone: str) -> str:
    """Only the time of day, with the zone named: '7:30am New York time'."""
    if value is None:
        return ""
    return f"{_clock(value.astimezone(ZoneInfo(zone)))} {zone_label(zone)}"


def sentence(message: str) -> str:
    """Domain messages start in lower case; on a page they start a sentence."""
    return message[:1].upper() + message[1:] if message else message


# The domain's messages speak to API clients too: on a page, the API's words become the
# form's. Only whole phrases known to reach staff; anything else is shown as it is.
_API_PHRASES = (
    (" (sms_consent: true)", ": tick the box once they agree"),
    (
        "send with outside_window: true if it cannot wait",
        "tick “Send even though it is outside the patient's sending window” if it cannot wait",
    ),
    ("; send allow_duplicate: true to enroll another patient anyway", ""),
    (
        "allow_duplicate: true to enroll another patient anyway",
        "confirm to enroll another patient anyway",
    ),
    ("; move it with PATCH instead", "; move it from the procedure page instead"),
    (
        "the frame must show {{ fragments }} (the texts of the steps due) unchanged",
        "the frame must keep the place where the steps' texts go (the fragments variable)",
    ),
)


def staff_words(message: str) -> str:
    """A domain message as staff read it: no API field syntax (`x: true`, PATCH)."""
    for api, staff in _API_PHRASES:
        message = message.replace(api, staff)
    return message


# Steps whose code name means nothing at the front desk.
_STEP_NAMES = {"frame": "Every text's greeting and signature", "opt_out_notice": "How to stop"}


def step_label(step: str) -> str:
    """'two_week_followup' -> 'Two week followup' (steps joined by commas when merged); the
    rest of a step cut to fit SMS_MAX_SEGMENTS ('warning_signs~1') reads '... (continued)'."""
    return ", ".join(_one_label(s) for s in step.split(",") if s)


def _one_label(step: str) -> str:
    base, cut, _ = step.strip().partition("~")
    label = _STEP_NAMES.get(base) or base.replace("_", " ").strip().capitalize()
    return f"{label} (continued)" if cut else label
