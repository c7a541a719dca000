"""Turns the steps due in one slot into the one text the patient reads."""

import logging
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from service.templates.defaults import DEFAULT_LANGUAGE, STEP_TEXTS
from service.templates.limits import OverTime
from service.templates.pieces import pieces
from service.templates.reading_order import reading_order, split_part
from service.templates.sandbox import TemplateInvalid, render_template
from service.templates.source import (
    CODE_DEFAULTS,
    FRAME_STEP,
    ActiveTemplate,
    TemplateSource,
    default_template,
)
from service.timeline.local_time import add_months, local_date
from service.timeline.plan import OPT_OUT_STEP, FollowUpKind, TimelinePlan
from service.timeline.planner import fasting_starts_at

log = logging.getLogger("reminders.templates")

_DATE_FORMATS = {"en": "EEEE, MMMM d", "es": "EEEE d 'de' MMMM"}
_TIME_FORMATS = {"en": "h:mm a", "es": "H:mm"}
# Spanish in the Americas (US patients above all) reads the 12-hour clock: "7:00 a.m."
# "a las 7:00 a.m.." -> "a las 7:00 a.m.": a sentence ending in a time needs one stop.
_ABBREVIATION_STOP = re.compile(r"(\b[ap]\.m\.)\.")
_TWELVE_HOUR_ZONE_PREFIXES = ("America/", "US/", "Pacific/Honolulu", "Pacific/Guam")


@dataclass(frozen=True)
class TextFacts:
    """What a text may mention about the patient, the clinic and the procedure."""

    given_name: str
    family_name: str
    clinic_name: str
    clinic_phone: str
    zone: ZoneInfo
    procedure_starts_at: datetime
    plan: TimelinePlan
    visits: Mapping[str, datetime]  # visit step name -> starts_at
    # Whether a correction should repeat when fasting starts: only if the patient
    # was already told a fasting time that is now wrong.
    include_fasting: bool = True
    # The patient-local day the text goes out. Unset, it is today (the text is being
    # sent now); previews and transcripts set it, and a sender may.
    sending_on: date | None = None
    # CLINIC_AFTER_HOURS_PHONE; empty sends warning signs after hours to the emergency room.
    clinic_after_hours_phone: str = ""


@dataclass(frozen=True)
class ComposedText:
    body: str
    language: str
    # Which version of each template made the text, e.g. "frame:es:0,prep_week:es:2".
    template_versions: str = ""


def language_for(language: str) -> str:
    """The patient's language if we have texts in it, else the default."""
    base = language.split("-")[0].lower()
    return base if base in STEP_TEXTS else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Fragments:
    """Each step's rendered words, ready to be framed into one or more texts."""

    language: str
    variables: dict[str, object]
    source: TemplateSource
    parts: list[tuple[str, str, ActiveTemplate]]  # (step, words, template), reading order
    opt_out: bool

    def frame(
        self,
        words: Sequence[str],
        with_opt_out: bool,
        used: Sequence[ActiveTemplate] | None = None,
    ) -> ComposedText:
        """The framed text of `words`; `used`: their templates (default: every part's)."""
        used = list(used if used is not None else [t for _, _, t in self.parts])
        body, frame = _render(
            self.source.get(FRAME_STEP, self.language),
            {**self.variables, "fragments": " ".join(words)},
        )
        if with_opt_out:
            notice, template = _render(self.source.get(OPT_OUT_STEP, self.language), self.variables)
            body = f"{body} {notice}"
            used.append(template)
        return ComposedText(
            body=_ABBREVIATION_STOP.sub(r"\1", body),
            language=self.language,
            template_versions=",".join(t.label for t in [frame, *used])[:400],
        )


def render_fragments(
    steps: Sequence[str],
    facts: TextFacts,
    language: str,
    templates: TemplateSource | None = None,
) -> Fragments:
    """Each step's words in reading order; "<step>~<n>" is that step from its piece n."""
    source = templates or CODE_DEFAULTS
    lang = language_for(language)
    bases = [split_part(s)[0] for s in steps]
    variables = text_variables(
        facts, lang, visit_step=next((s for s in bases if s in facts.visits), None)
    )
    parts = []
    for step in reading_order(steps, facts.plan):
        base, first = split_part(step)
        if base == OPT_OUT_STEP:
            continue
        text, template = _render(source.get(base, lang), variables)
        if first:
            text = " ".join(pieces(text)[first:])
            if not text:
                continue  # the step's words changed since it was cut: nothing is left
        parts.append((step, text, template))
    return Fragments(lang, variables, source, parts, OPT_OUT_STEP in steps)


def compose(
    steps: Sequence[str],
    facts: TextFacts,
    language: str,
    templates: TemplateSource | None = None,
) -> ComposedText:
    """One text for every step due in the same slot, in the patient's language.

    `templates` gives the active version of each template (the database's, see
    `service.templates.store.DbTemplates`); without it the code defaults are used. The
    opt-out line, when it rides along, ends the text after the frame. To keep within
    SMS_MAX_SEGMENTS use `service.templates.fitting.compose_within`.
    """
    fragments = render_fragments(steps, facts, language, templates)
    return fragments.frame([text for _, text, _ in fragments.parts], fragments.opt_out)


# Saved versions that used up a render's CPU time: the next texts go straight to the
# default instead of spending it again each time (the worker writes thousands of texts).
_TOO_SLOW: OrderedDict[tuple[str, str], None] = OrderedDict()
_TOO_SLOW_KEPT = 64


def _render(template: ActiveTemplate, variables: dict[str, object]) -> tuple[str, ActiveTemplate]:
    """The rendered text, falling back to the code default if a saved version fails.

    Saving renders every template for many sample patients and every branch within the
    limits, but real values may still fail one (or take it over a render's limits): the
    patient then gets the default wording rather than nothing, the message records
    version 0 and the error is logged; the worker goes on with the other texts. A draft
    being checked (version -1) and the defaults themselves raise instead.
    """
    fallback = default_template(template.step, template.language)
    if (template.label, template.body) in _TOO_SLOW:
        return render_template(fallback.body, variables), fallback
    try:
        return render_template(template.body, variables), template
    except TemplateInvalid as exc:
        if template.version <= 0:
            raise
        if isinstance(exc.__cause__, OverTime):
            _TOO_SLOW[(template.label, template.body)] = None
            while len(_TOO_SLOW) > _TOO_SLOW_KEPT:
                _TOO_SLOW.popitem(last=False)
        # The kind and line only: a message may quote a value (a patient's name).
        problem = exc.problems[0] if exc.problems else None
        log.error(
            "template %s failed to render (%s, line %s), sending the default instead",
            template.label,
            type(exc.__cause__).__name__ if exc.__cause__ else "invalid",
            problem.line if problem else None,
        )
        return render_template(fallback.body, variables), fallback


def text_variables(facts: TextFacts, lang: str, visit_step: str | None = None) -> dict[str, object]:
    procedure_day = local_date(facts.procedure_starts_at, facts.zone)
    variables: dict[str, object] = {
        "given_name": facts.given_name,
        "family_name": facts.family_name,
        "clinic_name": facts.clinic_name,
        "clinic_phone": facts.clinic_phone,
        "clinic_after_hours_phone": facts.clinic_after_hours_phone,
        **_procedure_variables(facts.procedure_starts_at, facts.zone, lang, facts.plan),
        "mention_fasting": facts.include_fasting,
        "ice_day": _ice_day(facts, procedure_day),
        "ice_days": _ice_days(facts),
        "appointment_kind": "",
        "appointment_date": "",
        "appointment_time": "",
    }
    if visit_step is not None:
        visit = facts.visits[visit_step].astimezone(facts.zone)
        variables["appointment_kind"] = FollowUpKind(visit_step.removesuffix("_visit")).value
        variables["appointment_date"] = _date(visit, lang)
        variables["appointment_time"] = _time(visit, lang)
    return variables


# What follows from the procedure's time and the plan alone. A worker's round writes many
# texts for procedures at the same few times, so each set is worked out once (the plan is
# a frozen value: an edited plan is a new key).
@lru_cache(maxsize=1024)
def _procedure_variables(
    starts_at: datetime, zone: ZoneInfo, lang: str, plan: TimelinePlan
) -> Mapping[str, object]:
    local_start = starts_at.astimezone(zone)
    fasting_start = fasting_starts_at(plan, starts_at).astimezone(zone)
    first, last = plan.wound_check_days
    procedure_day = local_date(starts_at, zone)
    return MappingProxyType(
        {
            "procedure_date": _date(local_start, lang),
            "procedure_time": _time(local_start, lang),
            "fasting_hours": plan.fasting_hours,
            "fasting_start_time": _time(fasting_start, lang),
            "fasting_start_day": _fasting_day(fasting_start, lang),
            "wound_check_from_day": first,
            "wound_check_to_day": last,
            "wound_check_from_date": _date_of(procedure_day + timedelta(days=first), lang),
            "wound_check_to_date": _date_of(procedure_day + timedelta(days=last), lang),
            "two_week_date": _date_of(procedure_day + timedelta(days=plan.two_week_days), lang),
            "three_month_date": _date_of(add_months(procedure_day, plan.three_month_months), lang),
            "normal_activity_weeks": plan.normal_activity_weeks,
        }
    )


def _ice_days(facts: TextFacts) -> int:
    """How many ice texts the plan sends (the "of N" of "Ice day 3 of N")."""
    try:
        return facts.plan.step("ice").repeat
    except KeyError:
        return 0


def _ice_day(facts: TextFacts, procedure_day: date) -> int:
    """Which of the plan's ice days the text goes out on (0 when it is none of them).

    Each ice text is useful only on its own local day, so the day it is sent says
    which one it is.
    """
    try:
        step = facts.plan.step("ice")
    except KeyError:
        return 0
    today = facts.sending_on or datetime.now(UTC).astimezone(facts.zone).date()
    number = (today - procedure_day).days - step.day + 1
    if step.repeat_every_days != 1 or not 1 <= number <= step.repeat:
        return 0
    return number


def _date_of(day: date, lang: str) -> str:
    return _local_date_text(day, lang)


def _fasting_day(fasting_start: datetime, lang: str) -> str:
    # "on Monday, March 15": the patient needs the day as well as the clock time,
    # since fasting may start the evening before or after midnight.
    return ("el " if lang == "es" else "on ") + _date(fasting_start, lang)


def _date(moment: datetime, lang: str) -> str:
    return _local_date_text(moment.date(), lang)


def _time(moment: datetime, lang: str) -> str:
    zone = moment.tzinfo
    key = getattr(zone, "key", "") or ""
    return _local_time_text(moment.time(), lang, key.startswith(_TWELVE_HOUR_ZONE_PREFIXES))


def local_date_text(moment: datetime, lang: str) -> str:
    """A date as the texts write it, for a moment already in the patient's zone."""
    return _date(moment, lang)


def local_time_text(moment: datetime, lang: str) -> str:
    """A clock time as the texts write it (12-hour for Spanish in the Americas)."""
    return _time(moment, lang)


# `moment` is already in the patient's zone, so the wall date and time say it all; the
# worker writes the same few dates and times thousands of times, and Babel is not cheap.
@lru_cache(maxsize=4096)
def _local_date_text(day: date, lang: str) -> str:
    return format_date(day, _DATE_FORMATS.get(lang, _DATE_FORMATS["en"]), locale=lang)


@lru_cache(maxsize=4096)
def _local_time_text(wall: time, lang: str, twelve_hour: bool = False) -> str:
    if lang == "es" and twelve_hour:
        text = format_time(wall, "h:mm a", locale="es_US")  # "7:30 p.m."
    else:
        text = format_time(wall, _TIME_FORMATS.get(lang, _TIME_FORMATS["en"]), locale=lang)
    # Babel may use narrow no-break spaces, which no SMS alphabet but UCS-2 carries.
    return text.replace("\u202f", " ").replace("\u00a0", " ")
