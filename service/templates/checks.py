"""Checking a template draft before it is saved or previewed: it renders for many
patients (both languages, long and accented names, every branch) within the limits, and
the whole text a patient would get, frame included, stays within SMS_MAX_SEGMENTS."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from service.errors import InvalidInput
from service.templates.compose import TextFacts, language_for, text_variables
from service.templates.defaults import DEFAULT_LANGUAGE, STEP_TEXTS
from service.templates.sandbox import (
    SAMPLE_VARIABLES,
    TEMPLATE_VARIABLES,
    TemplateInvalid,
    render_template,
    validate_template,
)
from service.templates.segments import count_segments
from service.templates.source import FRAME_STEP, TemplateSource
from service.templates.variables import SAMPLE_NAMES
from service.timeline.plan import TimelinePlan

LANGUAGES: tuple[str, ...] = tuple(STEP_TEXTS)
# The made-up procedure previews and checks render with: a Tuesday 7:00 AM in New York.
SAMPLE_ZONE = ZoneInfo("America/New_York")
SAMPLE_PROCEDURE_AT = datetime(2027, 3, 16, 11, 0, tzinfo=UTC)
SAMPLE_VISIT_AT = datetime(2027, 3, 26, 14, 30, tzinfo=UTC)


def allowed_variables(step: str) -> set[str]:
    return set(TEMPLATE_VARIABLES) | ({"fragments"} if step == FRAME_STEP else set())


@dataclass(frozen=True)
class Rendered:
    text: str
    characters: int
    encoding: Literal["GSM-7", "UCS-2"]
    segments: int


def check_body(
    step: str,
    language: str,
    body: str,
    source: TemplateSource,
    *,
    max_segments: int,
    plan: TimelinePlan,
) -> Rendered:
    """422 naming the line and problem, or when with sample values the text, or a merged
    text of a day it shares, would exceed `max_segments`."""
    from service.templates.ceiling import WithDraft, merged_over_ceiling

    refuse_if_invalid(step, body, plan)
    variables = sample_variables(language, step, plan)
    rendered = render_in_context(step, language, body, variables, source)
    refuse_if_too_long(rendered, max_segments)
    draft = WithDraft(source, step, language, body)
    try:
        over = merged_over_ceiling(
            step, language, draft, plan, sample_facts(language, plan), max_segments
        )
    except TemplateInvalid as exc:
        raise InvalidInput(str(exc), field="body") from None
    if over is not None:
        steps, count = over
        raise InvalidInput(
            f"with sample values the text sent for {' + '.join(steps)} (steps due at the "
            f"same time) is {count.characters} characters ({count.encoding}) = "
            f"{count.segments} SMS segments; the limit is {max_segments} (SMS_MAX_SEGMENTS)",
            field="body",
        )
    return rendered


def refuse_if_invalid(step: str, body: str, plan: TimelinePlan) -> None:
    """422 naming `body` with every problem, rendering for many patients (both languages,
    accented, long and short names) and every branch, each render within the limits."""
    problems = validate_template(body, allowed_variables(step), validation_samples(step, plan))
    if problems:
        raise InvalidInput("; ".join(str(p) for p in problems), field="body")


def validation_samples(step: str, plan: TimelinePlan) -> list[Mapping[str, object]]:
    """The values a draft is tried with: each sample name in each language, with the
    yes/no and day values and an appointment varied between them."""
    samples: list[Mapping[str, object]] = []
    for index, (language, (given, family)) in enumerate(
        (language, names) for language in LANGUAGES for names in SAMPLE_NAMES
    ):
        facts = replace(sample_facts(language, plan), given_name=given, family_name=family)
        visit = step if step in facts.visits else "wound_check_visit"
        variables = text_variables(facts, language, visit_step=visit if index % 3 else None)
        variables["mention_fasting"] = index % 2 == 0
        variables["ice_day"] = index % 8
        samples.append(variables)
    return samples


def refuse_if_too_long(rendered: Rendered, max_segments: int) -> None:
    if rendered.segments > max_segments:
        hint = (
            " One character outside GSM-7 (e.g. á, í, ó, ú or an emoji) makes the whole "
            "text UCS-2: 67 characters per segment instead of 153."
            if rendered.encoding == "UCS-2"
            else ""
        )
        raise InvalidInput(
            f"with sample values the full text is {rendered.characters} characters "
            f"({rendered.encoding}) = {rendered.segments} SMS segments; the limit is "
            f"{max_segments}.{hint}",
            field="body",
        )


def render_in_context(
    step: str,
    language: str,
    body: str,
    variables: dict[str, object],
    source: TemplateSource,
) -> Rendered:
    """The whole text a patient would get: a step inside the active frame, or a frame
    around the active text of `prep_week` (the longest fixed step)."""
    try:
        if step == FRAME_STEP:
            inner = render_template(source.get("prep_week", language).body, variables)
            text = render_template(body, {**variables, "fragments": inner})
        else:
            inner = render_template(body, variables)
            frame = source.get(FRAME_STEP, language).body
            text = render_template(frame, {**variables, "fragments": inner})
    except TemplateInvalid as exc:
        raise InvalidInput(str(exc), field="body") from None
    # Either would send every patient a text without the step's advice in it.
    if not inner:
        raise InvalidInput("with sample values the step's text is empty", field="body")
    if inner not in text:
        raise InvalidInput(
            "the frame must show {{ fragments }} (the texts of the steps due) unchanged",
            field="body",
        )
    count = count_segments(text)
    return Rendered(text, count.characters, count.encoding, count.segments)


def sample_facts(
    language: str,
    plan: TimelinePlan,
    *,
    clinic: tuple[str, str] | None = None,
) -> TextFacts:
    """The sample patient and procedure; `clinic` (name, phone) signs as that clinic."""
    clinic_name, clinic_phone = clinic or (
        str(SAMPLE_VARIABLES["clinic_name"]),
        str(SAMPLE_VARIABLES["clinic_phone"]),
    )
    return TextFacts(
        given_name=str(SAMPLE_VARIABLES["given_name"]),
        family_name=str(SAMPLE_VARIABLES["family_name"]),
        clinic_name=clinic_name,
        clinic_phone=clinic_phone,
        zone=SAMPLE_ZONE,
        procedure_starts_at=SAMPLE_PROCEDURE_AT,
        plan=plan,
        visits={step: SAMPLE_VISIT_AT for step in _visit_steps()},
        include_fasting=True,
    )


def sample_variables(
    language: str,
    step: str | None,
    plan: TimelinePlan,
    *,
    clinic: tuple[str, str] | None = None,
) -> dict[str, object]:
    """Sample values worded in `language` (dates and times as the composer writes them),
    with the clinic's plan in force (e.g. its fasting hours)."""
    facts = sample_facts(language, plan, clinic=clinic)
    visit = step if step in facts.visits else "wound_check_visit"
    return text_variables(facts, language_for(language), visit_step=visit)


def _visit_steps() -> Iterable[str]:
    return [s for s in STEP_TEXTS[DEFAULT_LANGUAGE] if s.endswith("_visit")]
