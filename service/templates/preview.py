"""A template's text as a patient would get it, before (or without) saving it.

The API's preview and the console's live preview call this one function: a draft
`body`, or with none the active text; sample values signed as the configured clinic, or
a real procedure's patient and times (`ProcedureSample`, which the procedures domain reads,
so templates import nothing of procedures).
"""

from dataclasses import dataclass

from sqlmodel import Session

from service.config import Settings
from service.db import end_transaction
from service.templates import checks, store
from service.templates.compose import TextFacts, language_for, text_variables
from service.timeline.active import active_plan


@dataclass(frozen=True)
class ProcedureSample:
    """A real procedure's patient and times to preview a text with, and their language."""

    facts: TextFacts
    language: str


@dataclass(frozen=True)
class Preview:
    text: str
    language: str
    step: str
    # Which text was rendered: the draft sent, or the active version (0 = the default).
    version: int | None
    characters: int
    encoding: str
    segments: int
    # The clinic's ceiling (SMS_MAX_SEGMENTS) the text was checked against.
    max_segments: int


def preview_template(
    session: Session,
    settings: Settings,
    *,
    step: str | None,
    language: str | None,
    body: str | None = None,
    procedure: ProcedureSample | None = None,
) -> Preview:
    """The whole SMS for `body` (or the active text of `step`), in `language`; 422 naming
    `body` when it does not render, goes over a render's limits or would be over the
    segment limit. Everything is read first: no transaction is open while it renders."""
    step = store.check_step(step, session) if step else "prep_week"
    source = store.ActiveTemplates.read(session)
    plan = active_plan(settings, session)  # the clinic's, for the samples and the checks
    if procedure is not None:
        language = language_for(language or procedure.language)
        variables = text_variables(procedure.facts, language)
    else:
        language = store.check_language(language or settings.default_language)
        variables = checks.sample_variables(
            language,
            step,
            plan,
            clinic=(settings.clinic_name, settings.clinic_phone),
        )
    version: int | None = None
    if body is None:
        active = source.get(step, language)
        body, version = active.body, active.version
    end_transaction(session)
    checks.refuse_if_invalid(step, body, plan)
    rendered = checks.render_in_context(step, language, body, variables, source)
    checks.refuse_if_too_long(rendered, settings.sms_max_segments)
    return Preview(
        text=rendered.text,
        language=language,
        step=step,
        version=version,
        characters=rendered.characters,
        encoding=rendered.encoding,
        segments=rendered.segments,
        max_segments=settings.sms_max_segments,
    )
