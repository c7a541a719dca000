"""The plan admins edit: which steps, on which day and at what local time; fasting; window.

Stored as JSON (one row per version, newest active wins):
    {"fasting_hours": 8,
     "sending_window": {"opens": "08:00", "closes": "21:00"},
     "steps": {"prep_week": {"day": -7, "months": 0, "at": "09:00", "repeat": 1,
                             "enabled": true}, ...}}
A step missing from the JSON keeps its code default. What the seeds decided (useful
windows, fasting lead, visit replacement) is not editable here.
"""

from collections.abc import Collection
from datetime import time
from typing import Any

from service.config import Settings
from service.errors import InvalidInput
from service.timeline.plan import DEFAULT_PLAN, Phase, Step

MAX_REPEAT = 31


def default_settings(settings: Settings) -> dict[str, Any]:
    """The plan in force when nothing was saved: code steps + clinic settings."""
    return {
        "fasting_hours": settings.fasting_hours,
        "sending_window": {
            "opens": _hhmm(settings.sending_window_start),
            "closes": _hhmm(settings.sending_window_end),
        },
        "steps": {step.name: step_json(step) for step in DEFAULT_PLAN.steps},
    }


def step_name(
    item: dict[str, Any], index: int, *, known: Collection[str], seen: Collection[str]
) -> str:
    """The name of the `index`-th step sent: a step of the plan, listed once (else 422)."""
    name = item.get("name")
    field = f"steps[{index}].name"
    if name not in known:
        raise InvalidInput(f"unknown step '{name}'; steps: {', '.join(known)}", field=field)
    if name in seen:
        raise InvalidInput(f"step '{name}' is listed twice", field=field)
    return str(name)


def validate_plan(data: dict[str, Any]) -> dict[str, Any]:
    """The normalised JSON, or 422 naming the first field at fault."""
    fasting = data.get("fasting_hours")
    if not isinstance(fasting, int) or isinstance(fasting, bool) or not 1 <= fasting <= 24:
        raise InvalidInput("must be a whole number of hours from 1 to 24", field="fasting_hours")
    window = data.get("sending_window") or {}
    opens = _time(window.get("opens"), "sending_window.opens")
    closes = _time(window.get("closes"), "sending_window.closes")
    if _minutes(closes) - _minutes(opens) < 60:
        raise InvalidInput(
            "the sending window must close at least 1 hour after it opens (same day)",
            field="sending_window.closes",
        )
    defaults = {step.name: step for step in DEFAULT_PLAN.steps}
    steps: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(data.get("steps") or []):
        where = f"steps[{index}]"
        name = step_name(item, index, known=defaults, seen=steps)
        default = defaults[name]
        day, months = item.get("day"), item.get("months", 0)
        if not isinstance(day, int) or not -60 <= day <= 400:
            raise InvalidInput(
                "must be a whole number of days from -60 to 400", field=f"{where}.day"
            )
        if not isinstance(months, int) or not 0 <= months <= 24:
            raise InvalidInput("must be 0 to 24", field=f"{where}.months")
        if default.phase is Phase.before and (day > -1 or months != 0):
            raise InvalidInput(
                f"'{name}' must reach the patient before the procedure: day must be -1 or "
                "earlier and months 0",
                field=f"{where}.day",
            )
        # "3 months, less a day" (day -1, months 3) is after the procedure; a month has
        # at least 28 days, so day + 28 * months >= 0 keeps every after-step after it.
        if default.phase is Phase.after and day + 28 * months < 0:
            raise InvalidInput(
                f"'{name}' only makes sense after the procedure: day must be 0 or later "
                "(or at most 28 days back per month in `months`)",
                field=f"{where}.day",
            )
        at_raw = item.get("at")
        if at_raw is None:
            if default.phase is Phase.before:
                raise InvalidInput(f"'{name}' needs a local send time", field=f"{where}.at")
            at = None  # hours after the procedure ends (the step's default delay)
        else:
            at = _time(at_raw, f"{where}.at")
            if not _minutes(opens) <= _minutes(at) <= _minutes(closes):
                raise InvalidInput(
                    f"{_hhmm(at)} is outside the sending window {_hhmm(opens)}-{_hhmm(closes)}",
                    field=f"{where}.at",
                )
        repeat = item.get("repeat", 1)
        if not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise InvalidInput(f"must be 1 to {MAX_REPEAT}", field=f"{where}.repeat")
        if default.phase is Phase.before and day + repeat - 1 > -1:
            raise InvalidInput(
                f"the last repeat of '{name}' would fall on or after the procedure day",
                field=f"{where}.repeat",
            )
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidInput("must be true or false", field=f"{where}.enabled")
        if default.is_check_in:
            _check_in_rules(name, where, day, months, at, repeat, steps, defaults)
        steps[name] = {
            "day": day,
            "months": months,
            "at": None if at is None else _hhmm(at),
            "repeat": repeat,
            "enabled": enabled,
        }
    for name, step in defaults.items():
        if name in steps:
            continue
        steps[name] = step_json(step)
        if step.at is not None and not _minutes(opens) <= _minutes(step.at) <= _minutes(closes):
            raise InvalidInput(
                f"step '{name}' goes out at {_hhmm(step.at)}, outside this window; "
                "send its new time in `steps` too",
                field="sending_window",
            )
    return {
        "fasting_hours": fasting,
        "sending_window": {"opens": _hhmm(opens), "closes": _hhmm(closes)},
        "steps": steps,
    }


def _check_in_rules(
    name: str,
    where: str,
    day: int,
    months: int,
    at: time | None,
    repeat: int,
    steps: dict[str, dict[str, Any]],
    defaults: dict[str, Step],
) -> None:
    """A check-in asks in the morning, once, on a day no other check-in has (its day
    names the time point in the answers)."""
    if at is None or _minutes(at) >= 12 * 60:
        raise InvalidInput(
            f"'{name}' asks in the morning: a local time before 12:00", field=f"{where}.at"
        )
    if months != 0 or repeat != 1:
        raise InvalidInput(
            f"'{name}' is one time point: months 0 and repeat 1", field=f"{where}.repeat"
        )
    for other, saved in steps.items():
        if defaults[other].is_check_in and saved["day"] == day:
            raise InvalidInput(f"'{other}' already asks on day {day}", field=f"{where}.day")


def changed_steps(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Field paths that differ, e.g. 'steps.ice.repeat' or 'fasting_hours'."""
    out = [k for k in ("fasting_hours",) if before[k] != after[k]]
    out += [
        f"sending_window.{k}"
        for k in ("opens", "closes")
        if before["sending_window"][k] != after["sending_window"][k]
    ]
    for name, step in after["steps"].items():
        old = before["steps"].get(name, {})
        out += [f"steps.{name}.{k}" for k in step if old.get(k) != step[k]]
    return out


def step_json(step: Step) -> dict[str, Any]:
    return {
        "day": step.day,
        "months": step.months,
        "at": None if step.at is None else _hhmm(step.at),
        "repeat": step.repeat,
        "enabled": step.enabled,
    }


def _time(value: object, field: str) -> time:
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            return parsed.replace(second=0, microsecond=0)
    raise InvalidInput("must be a local time like '09:00'", field=field)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")
