"""What a check-in question may be, checked field by field (422 naming the field): one
set of rules for the API and the console. Pure."""

import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from service.checkins.questions import Kind
from service.errors import InvalidInput
from service.templates.store import LANGUAGES
from service.timeline.plan import question_reminder_step, question_step

# Lower-case words joined by "_": the key names the question in the answers, the API, the
# CSV and FHIR; `question_<key>_again` must fit a step name (40 characters).
KEY = re.compile(r"[a-z][a-z0-9_]{0,24}")
SCALE_LIMITS = (-1000, 1000)
MAX_POSITION = 1000
MAX_SOURCE = 300
# The two defaults: alerts, the outcomes' pain share and FHIR's codes read these keys.
DEFAULT_KEYS = ("pain", "walking")


def key_of(value: object) -> str:
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise InvalidInput(
            "must be 1 to 25 lower-case letters, digits or '_', starting with a letter "
            "(e.g. odi_item_1)",
            field="key",
        )
    if value.endswith("_again"):
        raise InvalidInput("must not end in '_again' (that names the short form)", field="key")
    return value


def kind_of(data: Mapping[str, Any]) -> tuple[Kind, int | None, int | None]:
    """(kind, scale_min, scale_max): a scale needs both ends, minutes neither."""
    raw = data.get("kind")
    if raw not in tuple(Kind):
        raise InvalidInput(f"must be one of: {', '.join(k.value for k in Kind)}", field="kind")
    kind = Kind(str(raw))
    lowest, highest = data.get("scale_min"), data.get("scale_max")
    if kind is Kind.minutes:
        for name, value in (("scale_min", lowest), ("scale_max", highest)):
            if value is not None:
                raise InvalidInput("a minutes question has no scale; leave it out", field=name)
        return kind, None, None
    lowest, highest = _scale_end(lowest, "scale_min"), _scale_end(highest, "scale_max")
    if highest <= lowest:
        raise InvalidInput("must be more than scale_min", field="scale_max")
    return kind, lowest, highest


def _scale_end(value: object, field: str) -> int:
    if not whole(value) or not SCALE_LIMITS[0] <= value <= SCALE_LIMITS[1]:
        raise InvalidInput(
            f"a scale question needs a whole number from {SCALE_LIMITS[0]} to {SCALE_LIMITS[1]}",
            field=field,
        )
    return value


def position_of(value: object) -> int:
    if not whole(value) or not 1 <= value <= MAX_POSITION:
        raise InvalidInput(f"must be a whole number from 1 to {MAX_POSITION}", field="position")
    return value


def active_of(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("must be true or false", field="active")
    return value


def source_of(value: object) -> str:
    """The admin's note of where the wording comes from; required, so it is never lost."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            "say where the wording comes from, e.g. 'our own wording' or 'licensed from ...'",
            field="source",
        )
    if len(value.strip()) > MAX_SOURCE:
        raise InvalidInput(f"must be at most {MAX_SOURCE} characters", field="source")
    return value.strip()


def texts_of(
    data: Mapping[str, Any], key: str, *, every_language: bool
) -> dict[tuple[str, str], tuple[str, str]]:
    """{(step, language): (body, field)} of the wording and short form sent; a new
    question needs both in every language (a patient is asked in theirs)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    parts = (("wording", question_step(key)), ("short_form", question_reminder_step(key)))
    for name, step in parts:
        sent = data.get(name)
        if sent is None and not every_language:
            continue
        if not isinstance(sent, Mapping):
            raise InvalidInput(
                f"give the text in each language: {', '.join(LANGUAGES)}", field=name
            )
        for language in sent:
            if language not in LANGUAGES:
                raise InvalidInput(
                    f"no texts in '{language}'; languages: {', '.join(LANGUAGES)}",
                    field=f"{name}.{language}",
                )
        for language in LANGUAGES:
            body = sent.get(language)
            if body is None and not every_language:
                continue
            if not isinstance(body, str) or not body.strip():
                raise InvalidInput("must not be empty", field=f"{name}.{language}")
            out[(step, language)] = (body, f"{name}.{language}")
    return out


def whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
